#!/usr/bin/python3
"""`scanedge-ledger export --epcis` validated against GS1's EPCIS 2.0 JSON Schema.

Builds a real ledger database the way devices do (a real mosquitto on a free loopback
port, the real `scanedge-ledger run`, batches published with mosquitto_pub), exports it,
and validates the document with python3-jsonschema (draft-07, with format checking)
against <repo>/../shared/data/epcis/EPCIS-JSON-Schema.json. The fixture has every exported
event type of edge/tasks/WORK_MODEL.md (ObjectEvents and AggregationEvents) and the types
that are not exported; the test checks each event's type, bizStep and disposition, the
identifiers and bizTransactions, and the stderr counters. Also proves the validation has
teeth: broken documents (no eventTime, bad action, bad disposition/bizStep/bizTransaction
type, an aggregation without children...) must be rejected.

Usage: epcis_schema_test.py LEDGER_BIN REPO_SOURCE_DIR
Exit 0 pass, 1 fail, 77 skipped (schema, python3-jsonschema or mosquitto absent).
"""
import copy
import json
import re
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

SKIP = 77


def skip(why):
    print("SKIPPED: " + why)
    sys.exit(SKIP)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def uuid(n):
    return "0190b6a0-0000-7000-8000-%012d" % n


GTIN = "09506000134352"
DL = "https://id.gs1.org/01/" + GTIN
# The device event types exported (sync/ledger/epcis_export.h): the fixture has each.
EXPORTED_TYPES = {"pick.confirmed", "pick.substituted", "pack.item", "pack.carton_closed", "receive.confirmed",
                  "receive.over", "receive.pallet", "receive.damaged", "return.received", "return.inspected",
                  "pickup.handed_over", "ship.confirmed", "ship.partial", "putback.confirmed", "exception.damage"}
SSCC1, SSCC2 = "106141411234567897", "106141411234567880"


def item(gtin, lot=None, serial=None):
    return {"gtin": gtin, "lot": lot, "serial": serial, "expiry": None, "sscc": None, "epc": None}


def event(n, seq, type_, task_type=None, state="in_progress", refs=None, stream="exec", **fields):
    """A protocol v1 event (edge/tasks/WORK_MODEL.md); a task event when task_type is given."""
    e = {"id": uuid(n), "seq": seq, "stream": stream, "type": type_,
         "time": "2026-11-26T17:%02d:%02d.123Z" % (n // 60, n % 60), "clock": "synced", "mono_ms": n,
         "site": "s1", "device": "d1", "operator": "op-7"}
    if task_type:
        e.update({"task": "T-%d" % n, "task_type": task_type, "task_state": state, "channel": "web"})
        e.update(refs or {})
    e.update(fields)
    return e


def scanned(n, seq, type_, task_type, it, refs=None, qty=1, **fields):
    return event(n, seq, type_, task_type, refs=refs, line=1, qty=qty, item=it,
                 scan={"raw": "x", "symbology": "gs1-128", "scanner": "sc1"}, **fields)


def fixture():
    """(exec events, expected [eventID n, EPCIS type, bizStep, disposition] in export order,
    not-exported type counts). Every exported type of the work model appears at least once."""
    order, po, asn, rma = {"order": "ORD-77"}, {"po": "PO 4711"}, {"asn": "DESADV-9"}, {"rma": "RMA-5"}
    contents = [{"gtin": GTIN, "lot": None, "serial": "A1", "qty": 1},
                {"gtin": GTIN, "lot": "L7", "serial": None, "qty": 4},
                {"gtin": "4006381333931", "lot": None, "serial": None, "qty": 2}]
    evs = []
    exported = []

    def add(e, kind=None, step=None, disposition=None):
        evs.append(e)
        if kind:
            exported.append((int(e["id"][-12:]), kind, step, disposition))

    seq = iter(range(1, 1000))
    add(event(1, next(seq), "task.received", "pick", "released", order, version=1, lines=[]))
    add(scanned(2, next(seq), "pick.confirmed", "pick", item(GTIN, serial="SER 1/2"), order, location="A-01"),
        "ObjectEvent", "picking", "in_progress")
    add(scanned(3, next(seq), "pick.confirmed", "pick", item(GTIN, lot="LOT-7"), order, qty=3, location="A-01"),
        "ObjectEvent", "picking", "in_progress")
    add(scanned(4, next(seq), "pick.substituted", "pick", item("4006381333931"), order, ordered_gtin=GTIN,
                approved_by="task"), "ObjectEvent", "picking", "in_progress")
    add(event(5, next(seq), "pick.short", "pick", "short", order, lines=[{"line": 2, "gtin": GTIN, "qty": 1}]))
    add(scanned(6, next(seq), "pack.item", "pack", item(GTIN, serial="A1"), order, carton=1),
        "ObjectEvent", "packing", "in_progress")
    add(event(7, next(seq), "pack.carton_closed", "pack", "in_progress", order, carton=1, sscc=SSCC1,
              contents=contents), "AggregationEvent", "packing", "container_closed")
    add(event(8, next(seq), "pack.carton_closed", "pack", "in_progress", order, carton=2, sscc=SSCC2,
              contents=[{"gtin": GTIN, "lot": None, "serial": None, "qty": 5}]),
        "AggregationEvent", "packing", "container_closed")
    add(event(9, next(seq), "pack.short", "pack", "short", order, lines=[{"line": 2, "gtin": GTIN, "qty": 1}]))
    add(scanned(10, next(seq), "receive.confirmed", "receive", item(GTIN, lot="L1"), dict(po, **asn)),
        "ObjectEvent", "receiving", "sellable_not_accessible")
    add(scanned(11, next(seq), "receive.over", "receive", item(GTIN, lot="L1"), dict(po, **asn), expected=1,
                received=2), "ObjectEvent", "receiving", "sellable_not_accessible")
    add(event(12, next(seq), "receive.pallet", "receive", "in_progress", asn, sscc="106141410000000012",
              contents=[{"line": 1, "gtin": GTIN, "lot": "L1", "qty": 10},
                        {"line": 2, "gtin": "4006381333931", "lot": None, "qty": 5}]),
        "ObjectEvent", "receiving", "sellable_not_accessible")
    add(scanned(13, next(seq), "receive.damaged", "receive", item(GTIN), po, qty=2),
        "ObjectEvent", "receiving", "damaged")
    add(event(14, next(seq), "receive.short", "receive", "short", po, lines=[{"line": 1, "gtin": GTIN, "qty": 1}]))
    add(scanned(15, next(seq), "return.received", "return", item(GTIN, serial="R1"), dict(rma, **order)),
        "ObjectEvent", "receiving", "returned")
    for n, (disp, cbv) in enumerate([("restock", "sellable_accessible"), ("damaged", "damaged"),
                                     ("dispose", "disposed"), ("refurbish", "non_sellable_other")], start=16):
        add(event(n, next(seq), "return.inspected", "return", "inspected", rma, line=1,
                  item={"gtin": GTIN, "lot": "L2"}, qty=1, disposition=disp),
            "ObjectEvent", "inspecting", cbv)
    add(scanned(20, next(seq), "pickup.handed_over", "pickup", item(GTIN), order),
        "ObjectEvent", "retail_selling", "retail_sold")
    add(event(21, next(seq), "pickup.partial", "pickup", "partial", order, cause="operator",
              lines=[{"line": 1, "gtin": GTIN, "qty": 1}]))
    add(event(22, next(seq), "pickup.missed", "pickup", "missed", order, cause="window_passed",
              lines=[{"line": 1, "gtin": GTIN, "qty": 1}]))
    add(event(23, next(seq), "ship.confirmed", "ship_from_store", "shipped", order, carrier_label="1Z999",
              cartons=[SSCC1, SSCC2], contents=contents), "ObjectEvent", "shipping", "in_transit")
    add(event(24, next(seq), "ship.partial", "ship_from_store", "partial", order, carrier_label="1Z998",
              cartons=["106141410000000029"], contents=[{"gtin": GTIN, "lot": None, "serial": None, "qty": 1}],
              short=[{"line": 2, "gtin": GTIN, "qty": 1}]), "ObjectEvent", "shipping", "in_transit")
    add(event(25, next(seq), "task.cancelled", "pick", "cancelled", order, version=2, reason="customer",
              by="ledger", put_back_task="PB-T-25", put_back=[]))
    add(event(26, next(seq), "task.cancel_refused", "pick", "picked", order, version=3, reason="customer"))
    add(scanned(27, next(seq), "putback.confirmed", "put_back", item(GTIN, lot="L1"), origin_task="T-25",
                location="A-01"), "ObjectEvent", "storing", "sellable_accessible")
    add(event(28, next(seq), "putback.short", "put_back", "short", lines=[{"line": 1, "gtin": GTIN, "qty": 1}]))
    add(event(29, next(seq), "exception.damage", item=item(GTIN), qty=1, task=None, location="B-02"),
        "ObjectEvent", "inspecting", "damaged")
    add(event(30, next(seq), "operator.login", previous=None))
    add(event(31, next(seq), "operator.logout", previous="op-7"))
    not_exported = {"task.received": 1, "pick.short": 1, "pack.short": 1, "receive.short": 1,
                    "pickup.partial": 1, "pickup.missed": 1, "task.cancelled": 1, "task.cancel_refused": 1,
                    "putback.short": 1, "operator.login": 1, "operator.logout": 1, "scan.rejected": 1}
    return evs, exported, not_exported


# RFC 3986 URI (scheme ":" then only URI characters, percent-escapes well formed) and RFC 3339
# date-time: the format checkers used when python3-jsonschema has none (see main).
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2})+$")


def uris(e):
    """Every URI-valued field of one exported event."""
    out = [e.get("eventID"), e["readPoint"]["id"], e["bizLocation"]["id"], e.get("parentID")]
    out += e.get("epcList", []) + e.get("childEPCs", [])
    out += [q["epcClass"] for q in e.get("quantityList", []) + e.get("childQuantityList", [])]
    out += [t["bizTransaction"] for t in e.get("bizTransactionList", [])]
    return [u for u in out if u is not None]


def main():
    if len(sys.argv) != 3:
        print("usage: epcis_schema_test.py LEDGER_BIN REPO_SOURCE_DIR")
        return 2
    ledger_bin, repo = sys.argv[1], sys.argv[2]
    schema_path = os.path.normpath(os.path.join(repo, "..", "shared", "data", "epcis", "EPCIS-JSON-Schema.json"))
    if not os.path.isfile(schema_path):
        skip("the EPCIS schema %s is absent (../shared is not checked out here)" % schema_path)
    try:
        import jsonschema
    except ImportError:
        skip("python3-jsonschema is not installed (apt-get install python3-jsonschema)")
    mosquitto = shutil.which("mosquitto") or ("/usr/sbin/mosquitto" if os.path.exists("/usr/sbin/mosquitto") else None)
    mosquitto_pub = shutil.which("mosquitto_pub")
    if not mosquitto or not mosquitto_pub:
        skip("mosquitto or mosquitto_pub is not installed")

    with open(schema_path) as f:
        schema = json.load(f)
    validator_cls = jsonschema.validators.validator_for(schema)
    # Debian's python3-jsonschema checks neither "uri" (it needs rfc3987) nor "date-time"
    # (rfc3339-validator). Without a "uri" check the schema has no teeth for vocabulary:
    # bizStep, disposition and bizTransaction types are "a CBV word OR any URI", and any
    # property name that is a URI is allowed, so "sold" or an AggregationEvent "epcList" would
    # pass. RFC 3986 / RFC 3339 checkers are registered here when the library has none.
    format_checker = jsonschema.FormatChecker()
    if "uri" not in format_checker.checkers:
        format_checker.checks("uri")(lambda v: not isinstance(v, str) or bool(URI.match(v)))
    if "date-time" not in format_checker.checkers:
        format_checker.checks("date-time")(lambda v: not isinstance(v, str) or bool(RFC3339.match(v)))
    validator = validator_cls(schema, format_checker=format_checker)

    tmp = tempfile.mkdtemp(prefix="epcis_schema_test.")
    procs = []
    try:
        port = free_port()
        conf = os.path.join(tmp, "mosquitto.conf")
        with open(conf, "w") as f:
            f.write("listener %d 127.0.0.1\nallow_anonymous true\npersistence false\n" % port)
        log = open(os.path.join(tmp, "logs.txt"), "w")
        procs.append(subprocess.Popen([mosquitto, "-c", conf], stdout=log, stderr=log))
        broker = "tcp://127.0.0.1:%d" % port
        deadline = time.time() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.time() > deadline:
                    raise RuntimeError("mosquitto did not start")
                time.sleep(0.05)
        db = os.path.join(tmp, "ledger.db")
        procs.append(subprocess.Popen([ledger_bin, "run", "--broker", broker, "--db", db,
                                       "--client-id", "epcis-test-%d" % os.getpid()], stdout=log, stderr=log))

        exec_events, want, not_exported = fixture()
        rejected = event(99, 1, "scan.rejected", stream="telemetry", reason={"code": "no_task", "message": "no task"},
                         item=item(GTIN))
        batches = [
            ("scanedge/v1/s1/d1/events/exec",
             {"v": 1, "site": "s1", "device": "d1", "stream": "exec", "events": exec_events}),
            ("scanedge/v1/s1/d1/events/telemetry",
             {"v": 1, "site": "s1", "device": "d1", "stream": "telemetry", "events": [rejected]}),
        ]
        # The ledger subscribes after it connected; publish (QoS 1) until it applied them all.
        deadline = time.time() + 30
        applied = False
        while time.time() < deadline and not applied:
            for topic, payload in batches:
                subprocess.run([mosquitto_pub, "-h", "127.0.0.1", "-p", str(port), "-q", "1", "-t", topic,
                                "-m", json.dumps(payload)], check=True, timeout=10)
            time.sleep(0.3)
            q = subprocess.run([ledger_bin, "query", "--db", db], capture_output=True, text=True, timeout=10)
            if q.returncode == 0:
                devices = json.loads(q.stdout)["devices"]
                streams = devices[0]["streams"] if devices else {}
                applied = (streams.get("exec", {}).get("last_seq") == len(exec_events) and
                           streams.get("telemetry", {}).get("last_seq") == 1)
        if not applied:
            print("FAIL: the ledger did not apply the batches within 30 s")
            return 1

        out_file = os.path.join(tmp, "epcis.jsonld")
        r = subprocess.run([ledger_bin, "export", "--epcis", "--db", db, "--out", out_file],
                           capture_output=True, text=True, timeout=30)
        if r.returncode != 0:
            print("FAIL: export exited %d: %s" % (r.returncode, r.stderr))
            return 1
        print("export stderr: " + r.stderr.strip())
        with open(out_file) as f:
            doc = json.load(f)
        stdout_run = subprocess.run([ledger_bin, "export", "--epcis", "--db", db], capture_output=True, text=True,
                                    timeout=30)
        if stdout_run.returncode != 0 or json.loads(stdout_run.stdout)["epcisBody"] != doc["epcisBody"]:
            print("FAIL: export to stdout differs from --out")
            return 1

        errors = sorted(validator.iter_errors(doc), key=str)
        if errors:
            for e in errors[:10]:
                print("FAIL: schema: %s at %s" % (e.message, list(e.absolute_path)))
            return 1

        events = doc["epcisBody"]["eventList"]
        failures = []
        # Date-times and URIs are checked here too, whatever format checkers the library has.
        for when in [doc["creationDate"]] + [e["eventTime"] for e in events]:
            if not RFC3339.match(when):
                failures.append("not an RFC 3339 date-time: %s" % when)
        exported_ids = {w[0] for w in want}
        covered = {e["type"] for e in exec_events if int(e["id"][-12:]) in exported_ids}
        if covered != EXPORTED_TYPES:
            failures.append("the fixture does not cover every exported type: %s" % sorted(EXPORTED_TYPES ^ covered))
        got = [(e.get("eventID"), e.get("type"), e.get("bizStep"), e.get("disposition")) for e in events]
        expected = [("urn:uuid:" + uuid(n), kind, step, disp) for n, kind, step, disp in want]
        if got != expected:
            failures.append("events (eventID, type, bizStep, disposition):\n  got      %s\n  expected %s"
                            % (got, expected))
        for e in events:
            for u in uris(e):
                if not URI.match(u):
                    failures.append("%s: not a URI: %r" % (e.get("eventID"), u))
        by_id = {int(e["eventID"][-12:]): e for e in events}
        if by_id.get(2, {}).get("epcList") != [DL + "/21/SER%201%2F2"]:
            failures.append("serialised epcList: %s" % by_id.get(2, {}).get("epcList"))
        if by_id.get(3, {}).get("quantityList") != [{"epcClass": DL + "/10/LOT-7", "quantity": 3}]:
            failures.append("lot quantityList: %s" % by_id.get(3, {}).get("quantityList"))
        if by_id.get(4, {}).get("quantityList") != [{"epcClass": "https://id.gs1.org/01/04006381333931", "quantity": 1}]:
            failures.append("gtin quantityList: %s" % by_id.get(4, {}).get("quantityList"))
        carton = by_id.get(7, {})
        if (carton.get("action"), carton.get("parentID"), carton.get("childEPCs"), carton.get("childQuantityList")) != (
                "ADD", "https://id.gs1.org/00/" + SSCC1, [DL + "/21/A1"],
                [{"epcClass": DL + "/10/L7", "quantity": 4},
                 {"epcClass": "https://id.gs1.org/01/04006381333931", "quantity": 2}]):
            failures.append("closed carton: %s" % carton)
        if "childEPCs" in by_id.get(8, {}) or by_id.get(8, {}).get("childQuantityList") != [
                {"epcClass": DL, "quantity": 5}]:
            failures.append("closed carton without serialised items: %s" % by_id.get(8))
        if by_id.get(10, {}).get("bizTransactionList") != [
                {"type": "po", "bizTransaction": "urn:scanedge:po:PO%204711"},
                {"type": "desadv", "bizTransaction": "urn:scanedge:asn:DESADV-9"}]:
            failures.append("receipt bizTransactionList: %s" % by_id.get(10, {}).get("bizTransactionList"))
        if by_id.get(15, {}).get("bizTransactionList") != [
                {"type": "rma", "bizTransaction": "urn:scanedge:rma:RMA-5"},
                {"type": "po", "bizTransaction": "urn:scanedge:order:ORD-77"}]:
            failures.append("return bizTransactionList: %s" % by_id.get(15, {}).get("bizTransactionList"))
        if by_id.get(23, {}).get("epcList") != ["https://id.gs1.org/00/" + SSCC1, "https://id.gs1.org/00/" + SSCC2,
                                                DL + "/21/A1"]:
            failures.append("shipment epcList: %s" % by_id.get(23, {}).get("epcList"))
        if by_id.get(12, {}).get("epcList") != ["https://id.gs1.org/00/106141410000000012"]:
            failures.append("pallet epcList: %s" % by_id.get(12, {}).get("epcList"))
        if "bizTransactionList" in by_id.get(29, {}):
            failures.append("damage outside a task has transactions: %s" % by_id.get(29))
        n_agg = sum(1 for w in want if w[1] == "AggregationEvent")
        summary = "%d EPCIS events (%d AggregationEvent, %d ObjectEvent)" % (len(want), n_agg, len(want) - n_agg)
        if summary not in r.stderr:
            failures.append("stderr does not say '%s': %s" % (summary, r.stderr))
        for type_, n in not_exported.items():
            if "%d %s not exported" % (n, type_) not in r.stderr:
                failures.append("stderr does not count %s as not exported: %s" % (type_, r.stderr))
        if "0 unusable skipped" not in r.stderr or "unknown type" in r.stderr:
            failures.append("stderr reports skipped events: " + r.stderr)

        # The validation has teeth: broken documents are rejected.
        no_time = copy.deepcopy(doc)
        del no_time["epcisBody"]["eventList"][0]["eventTime"]
        if validator.is_valid(no_time):
            failures.append("a document with an event without eventTime passed the schema")
        bad_action = copy.deepcopy(doc)
        bad_action["epcisBody"]["eventList"][0]["action"] = "PICK"
        if validator.is_valid(bad_action):
            failures.append("a document with action PICK passed the schema")
        bad_offset = copy.deepcopy(doc)
        bad_offset["epcisBody"]["eventList"][0]["eventTimeZoneOffset"] = "+0000"
        if validator.is_valid(bad_offset):
            failures.append("a document with eventTimeZoneOffset +0000 passed the schema")
        bad_id = copy.deepcopy(doc)
        bad_id["epcisBody"]["eventList"][0]["eventID"] = "not a uri"
        if validator.is_valid(bad_id):
            failures.append("a document with eventID 'not a uri' passed the schema")
        bad_time = copy.deepcopy(doc)
        bad_time["epcisBody"]["eventList"][0]["eventTime"] = "2026-11-26 17:00"
        if validator.is_valid(bad_time):
            failures.append("a document with eventTime '2026-11-26 17:00' passed the schema")
        agg = next(i for i, e in enumerate(events) if e.get("type") == "AggregationEvent")
        no_children = copy.deepcopy(doc)
        for key in ("childEPCs", "childQuantityList"):
            no_children["epcisBody"]["eventList"][agg].pop(key, None)
        if validator.is_valid(no_children):
            failures.append("an AggregationEvent ADD without children passed the schema")
        agg_epc_list = copy.deepcopy(doc)
        agg_epc_list["epcisBody"]["eventList"][agg]["epcList"] = ["https://id.gs1.org/00/" + SSCC1]
        if validator.is_valid(agg_epc_list):
            failures.append("an AggregationEvent with epcList passed the schema")
        bad_disposition = copy.deepcopy(doc)
        bad_disposition["epcisBody"]["eventList"][0]["disposition"] = "sold"
        if validator.is_valid(bad_disposition):
            failures.append("a document with disposition 'sold' passed the schema")
        bad_step = copy.deepcopy(doc)
        bad_step["epcisBody"]["eventList"][0]["bizStep"] = "put_back"
        if validator.is_valid(bad_step):
            failures.append("a document with bizStep 'put_back' passed the schema")
        with_tx = next(i for i, e in enumerate(events) if e.get("bizTransactionList"))
        bad_tx_type = copy.deepcopy(doc)
        bad_tx_type["epcisBody"]["eventList"][with_tx]["bizTransactionList"][0]["type"] = "order"
        if validator.is_valid(bad_tx_type):
            failures.append("a document with bizTransaction type 'order' passed the schema")
        no_tx = copy.deepcopy(doc)
        del no_tx["epcisBody"]["eventList"][with_tx]["bizTransactionList"][0]["bizTransaction"]
        if validator.is_valid(no_tx):
            failures.append("a document with a bizTransactionList entry without bizTransaction passed the schema")
        if URI.match("urn:scanedge:po:PO 4711") or URI.match("PO-4711"):
            failures.append("the URI check accepts non-URIs")
        no_context = copy.deepcopy(doc)
        del no_context["@context"]
        if validator.is_valid(no_context):
            failures.append("a document without @context passed the schema")

        for f in failures:
            print("FAIL: " + f)
        if not failures:
            print("PASS: %d events of %d types valid against %s"
                  % (len(events), len(covered), schema_path))
        return 1 if failures else 0
    finally:
        for p in reversed(procs):
            p.terminate()
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
