#!/usr/bin/python3
"""`scanedge-ledger export --epcis` validated against GS1's EPCIS 2.0 JSON Schema.

Builds a real ledger database the way devices do (a real mosquitto on a free loopback
port, the real `scanedge-ledger run`, batches published with mosquitto_pub), exports it,
and validates the document with python3-jsonschema (draft-07, with format checking)
against <repo>/../shared/data/epcis/EPCIS-JSON-Schema.json. Also proves the validation has
teeth: the same document without an eventTime, or with a bad action, must be rejected.

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


def item(gtin, lot=None, serial=None):
    return {"gtin": gtin, "lot": lot, "serial": serial, "expiry": None, "sscc": None, "epc": None}


def pick(n, seq, it, qty=1):
    return {"id": uuid(n), "seq": seq, "stream": "exec", "type": "pick.confirmed",
            "time": "2026-11-26T17:00:%02d.123Z" % n, "clock": "synced", "mono_ms": n,
            "site": "s1", "device": "d1", "operator": None,
            "scan": {"raw": "x", "symbology": "gs1-128", "scanner": "sc1"},
            "task": "T1", "line": 1, "location": "A-01", "item": it, "qty": qty}


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
    validator = validator_cls(schema, format_checker=jsonschema.FormatChecker())

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

        exec_events = [
            pick(1, 1, item("09506000134352", lot=None, serial="SER 1/2")),  # serialised
            pick(2, 2, item("09506000134352", lot="LOT-7"), qty=3),          # lot only
            pick(3, 3, item("4006381333931")),                                  # GTIN-13, no lot
        ]
        rejected = {"id": uuid(4), "seq": 1, "stream": "telemetry", "type": "scan.rejected",
                    "time": "2026-11-26T17:00:04.000Z", "site": "s1", "device": "d1",
                    "reason": {"code": "no_task", "message": "no task"}, "item": None}
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
                applied = (streams.get("exec", {}).get("last_seq") == 3 and
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
        # Debian's python3-jsonschema checks "uri" but has no "date-time" checker (it needs
        # rfc3339-validator): check the RFC 3339 date-times here.
        rfc3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
        for when in [doc["creationDate"]] + [e["eventTime"] for e in events]:
            if not rfc3339.match(when):
                failures.append("not an RFC 3339 date-time: %s" % when)
        if [e["eventID"] for e in events] != ["urn:uuid:" + uuid(n) for n in (1, 2, 3)]:
            failures.append("eventIDs/order: %s" % [e.get("eventID") for e in events])
        if events and events[0].get("epcList") != ["https://id.gs1.org/01/09506000134352/21/SER%201%2F2"]:
            failures.append("serialised epcList: %s" % events[0].get("epcList"))
        if len(events) > 2:
            if events[1].get("quantityList") != [{"epcClass": "https://id.gs1.org/01/09506000134352/10/LOT-7",
                                                  "quantity": 3}]:
                failures.append("lot quantityList: %s" % events[1].get("quantityList"))
            if events[2].get("quantityList") != [{"epcClass": "https://id.gs1.org/01/04006381333931", "quantity": 1}]:
                failures.append("gtin quantityList: %s" % events[2].get("quantityList"))
        if "1 scan.rejected not exported" not in r.stderr:
            failures.append("stderr does not count the rejected scan: " + r.stderr)

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
        if "uri" in jsonschema.FormatChecker().checkers:
            bad_id = copy.deepcopy(doc)
            bad_id["epcisBody"]["eventList"][0]["eventID"] = "not a uri"
            if validator.is_valid(bad_id):
                failures.append("a document with eventID 'not a uri' passed the schema")
        no_context = copy.deepcopy(doc)
        del no_context["@context"]
        if validator.is_valid(no_context):
            failures.append("a document without @context passed the schema")

        for f in failures:
            print("FAIL: " + f)
        if not failures:
            print("PASS: %d ObjectEvents valid against %s" % (len(events), schema_path))
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
