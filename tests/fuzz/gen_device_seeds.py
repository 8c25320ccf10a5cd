#!/usr/bin/env python3
"""Writes the seed corpora of the device-byte fuzz targets (ssi_frames, mercury_frames,
hid_reports) and the hand-written profile seeds into tests/fuzz/corpus/<target>/.

The frames are built here, with the SSI checksum and the Mercury CRC written from the
protocol descriptions (drivers/ssi/ssi_frame.h, drivers/rfid_mercury/mercury_frame.h), not
with the project's encoders, so the seeds are also an independent check of them: the
replay ctests fail if a seed meant to hold good frames does not parse (the targets check
every frame they get). Input layouts: see the header comment of each fuzz_<target>.cc and
fuzz_input.h (settings byte, chunk plan, bytes).

Run from anywhere: python3 tests/fuzz/gen_device_seeds.py  (overwrites those seeds only;
regress-* reproducers and other files in the corpus folders are left alone).
"""
import os
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")
PROFILES = os.path.join(HERE, "..", "..", "firmware-profiles")


def write(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(bytes(data))


# Chunk plan (fuzz_input.h): [count][len action]*count, then the stream.
NONE, PAUSE, TIMEOUT, RESET = 0, 5, 6, 7


def plan(stream, cuts=()):
    out = bytearray([len(cuts)])
    for length, action in cuts:
        out += bytes([length, action])
    return bytes(out) + bytes(stream)


# ---------------------------------------------------------------- SSI
def ssi_frame(opcode, data=b"", source=0x00, status=0x00, corrupt=False):
    body = bytearray([4 + len(data), opcode, source, status]) + bytes(data)
    ck = (0x10000 - (sum(body) & 0xFFFF)) & 0xFFFF
    if corrupt:
        ck ^= 0x0100
    return bytes(body) + bytes([ck >> 8, ck & 0xFF])


assert ssi_frame(0xD0, source=0x04) == bytes.fromhex("04D00400FF28")  # CMD_ACK, ssi_frame.h

DECODE, ACK, NAK, REVISION, EVENT = 0xF3, 0xD0, 0xD1, 0xA4, 0xF6
GS = b"\x1d"
gs1 = b"0109501101530003" + b"17261231" + b"10ABC123" + GS + b"21SERIAL42"


def ssi_seeds():
    t = "ssi_frames"
    ean = ssi_frame(DECODE, b"\x0b5901234123457")
    gs1_pkt = ssi_frame(DECODE, b"\x0f" + gs1)
    write(t, "decode-ean13", b"\x00" + plan(ean))
    write(t, "decode-gs1-128", b"\x01" + plan(gs1_pkt))
    # A long 2D code in three packets (continuation bit on the first two).
    dm = b"\xc1" + b"0104012345678901" + b"21" + b"X" * 200
    parts = [dm[:120], b"\xc1" + dm[120:240], b"\xc1" + dm[240:]]
    multi = b"".join(ssi_frame(DECODE, p, status=0x02 if i < 2 else 0x00) for i, p in enumerate(parts))
    write(t, "continuation-3", b"\x00" + plan(multi, [(100, NONE), (37, PAUSE), (200, NONE)]))
    # Lost host ACK: the scanner resends the packet with the retransmit bit.
    write(t, "retransmit-duplicate", b"\x00" + plan(ean + ssi_frame(DECODE, b"\x0b5901234123457", status=0x01)))
    # Corrupted packet (host NAKs), then the retransmission, which must be accepted.
    bad = ssi_frame(DECODE, b"\x0b5901234123457", corrupt=True)
    write(t, "bad-checksum-resend",
          b"\x01" + plan(bad + ssi_frame(DECODE, b"\x0b5901234123457", status=0x01)))
    # Replies to host commands and an event.
    replies = (ssi_frame(ACK) + ssi_frame(NAK, b"\x01") + ssi_frame(REVISION, b"NBRSTAAC 1.02.3 SSI")
               + ssi_frame(EVENT, b"\x01"))
    write(t, "host-replies", b"\x01" + plan(replies, [(6, NONE), (3, NONE)]))
    # Host frames echoed on the line (source 0x04): PARAM_SEND, BEEP, LED_ON, SCAN_ENABLE.
    host = (ssi_frame(0xC6, b"\xff\xee\x01\x9f\x00", source=0x04) + ssi_frame(0xE6, b"\x00", source=0x04)
            + ssi_frame(0xE7, b"\x01", source=0x04) + ssi_frame(0xE9, source=0x04))
    write(t, "host-commands", b"\x00" + plan(host))
    # Line noise around frames; a byte-at-a-time split.
    noisy = b"\x00\xff\x13\x10garbage\r\n" + ean + b"\xf3\x00\x04" + gs1_pkt + b"\x05\x80"
    write(t, "garbage-around", b"\x01" + plan(noisy))
    write(t, "byte-at-a-time", b"\x00" + plan(ean + gs1_pkt, [(1, NONE)] * 16))
    # A truncated frame given up by the stale timeout, then a good one.
    write(t, "stale-then-frame", b"\x01" + plan(gs1_pkt[:20] + ean, [(20, TIMEOUT)]))
    # Unplugged mid-message: reset between the packets of a continued scan.
    write(t, "reset-mid-message", b"\x00" + plan(multi, [(130, RESET)]))
    # A scan longer than max_message_bytes 16 (settings bits 1-2 = 1), and an unknown opcode.
    write(t, "oversize-message", b"\x02" + plan(gs1_pkt + ssi_frame(0xB1, b"\x01\x02")))
    # A decode packet without its barcode type byte.
    write(t, "decode-no-type", b"\x00" + plan(ssi_frame(DECODE) + ean))
    # A corrupted length byte hides a good frame behind it.
    write(t, "corrupt-length", b"\x00" + plan(b"\x08" + ean[1:] + ean))


# ---------------------------------------------------------------- Mercury
def crc16(data, crc=0xFFFF):
    # Bits shifted in MSB first at the low end; XOR 0x1021 when a 1 falls out of the top.
    for byte in data:
        for i in range(7, -1, -1):
            top = crc & 0x8000
            crc = ((crc << 1) | ((byte >> i) & 1)) & 0xFFFF
            if top:
                crc ^= 0x1021
    return crc


assert crc16(b"\x00\x03") == 0x1D0C  # FF 00 03 1D 0C, mercury_frame.h


def m_response(opcode, status=0, data=b"", corrupt=False):
    body = bytes([len(data), opcode, status >> 8, status & 0xFF]) + bytes(data)
    crc = crc16(body) ^ (0x0001 if corrupt else 0)
    return b"\xff" + body + bytes([crc >> 8, crc & 0xFF])


def m_request(opcode, data=b""):
    body = bytes([len(data), opcode]) + bytes(data)
    crc = crc16(body)
    return b"\xff" + body + bytes([crc >> 8, crc & 0xFF])


assert m_request(0x03) == bytes.fromhex("FF00031D0C")


def record(epc, m, rssi=-60, ant=0x11, count=1, ts=295, pc=0x3000, xpc=None):
    out = bytearray()
    if m & 0x0001: out += bytes([count])
    if m & 0x0002: out += bytes([rssi & 0xFF])
    if m & 0x0004: out += bytes([ant])
    if m & 0x0008: out += (923200).to_bytes(3, "big")
    if m & 0x0010: out += ts.to_bytes(4, "big")
    if m & 0x0020: out += b"\x00\x00"
    if m & 0x0040: out += b"\x05"
    if m & 0x0080: out += (16).to_bytes(2, "big") + b"\xab\xcd"  # 16 bits of embedded data
    if m & 0x0100: out += b"\x0f"
    if m & 0x0200: out += b"\x04"
    if m & 0x0400: out += b"\x02"
    if m & 0x0800: out += b"\x00"
    if m & 0x1000: out += b"\x00\x01"
    words = [pc] + ([] if xpc is None else xpc)
    tag = b"".join(w.to_bytes(2, "big") for w in words) + epc + b"\xe9\x4a"
    out += (len(tag) * 8).to_bytes(2, "big") + tag
    return bytes(out)


def stream_data(records, m, search=0x0113):
    return bytes([0x10]) + search.to_bytes(2, "big") + m.to_bytes(2, "big") + bytes([len(records)]) + b"".join(records)


def buffer_data(records, m):
    return m.to_bytes(2, "big") + b"\x00" + bytes([len(records)]) + b"".join(records)


SGTIN = bytes.fromhex("3074257BF7194E4000001A85")
EPCS = [bytes.fromhex("30340242201D8840009F%04X" % i) for i in range(4)]


def mercury_seeds():
    t = "mercury_frames"
    full = 0x01FF  # the example record of mercury_tag_record.h
    read1 = m_response(0x22, 0, stream_data([record(SGTIN, full)], full))
    write(t, "stream-one-record", b"\x00" + plan(read1))
    keepalive = m_response(0x22, 0x0400)
    write(t, "stream-keepalive", b"\x08" + plan(keepalive + read1 + keepalive))
    m = 0x0057  # READCOUNT RSSI ANTENNAID TIMESTAMP PROTOCOL
    buf = m_response(0x29, 0, buffer_data([record(e, m, rssi=-50 - i, ant=0x20 + i) for i, e in enumerate(EPCS)], m))
    write(t, "tag-buffer-4", b"\x10" + plan(buf, [(9, NONE), (40, PAUSE)]))
    # Extended PC: XI set, XPC_W1 with XEB, so XPC_W2 too; a 96-bit EPC after them.
    xpc = m_response(0x22, 0, stream_data([record(SGTIN, 0x0006, pc=0x3200, xpc=[0x8000, 0x0001])], 0x0006))
    write(t, "stream-xpc", b"\x00" + plan(xpc))
    two = m_response(0x22, 0, stream_data([record(EPCS[0], 0x1FFF), record(EPCS[1], 0x1FFF)], 0x1FFF))
    write(t, "stream-all-metadata", b"\x00" + plan(two))
    version = m_response(0x03, 0, bytes.fromhex("2012040018050100011500000000001001100000"))
    write(t, "version-reply", b"\x00" + plan(version))
    write(t, "request-version", b"\x01" + plan(m_request(0x03) + m_request(0x2F, bytes.fromhex("000001220000050722"))))
    temp = m_response(0x22, 0x0504)
    write(t, "status-temperature", b"\x00" + plan(temp + read1))
    bad = m_response(0x22, 0, stream_data([record(SGTIN, full)], full), corrupt=True)
    write(t, "bad-crc-then-good", b"\x00" + plan(bad + read1))
    write(t, "garbage-stray-ff", b"\x08" + plan(b"\x00\x13\xff\xff\x02" + read1 + b"\xffjunk", [(3, TIMEOUT)]))
    write(t, "truncated-timeout", b"\x08" + plan(read1[:30] + read1, [(30, TIMEOUT)]))
    write(t, "reset-mid-frame", b"\x00" + plan(read1[:25] + buf, [(25, RESET)]))
    write(t, "oversize-len", b"\x04" + plan(buf + read1))  # max_data 64: the 0x29 frame is refused
    # Direct decode of the bytes as response data (settings bit 4: as 0x29).
    write(t, "direct-buffer", b"\x10" + plan(buffer_data([record(e, 0x0002) for e in EPCS[:3]], 0x0002)))
    bad_rec = stream_data([record(SGTIN, 0x0040)[:-1] + b"\x04"], 0x0040)  # protocol byte 0x06
    write(t, "direct-bad-protocol", b"\x00" + plan(stream_data([record(SGTIN, 0x0040)], 0x0040).replace(b"\x05\x00", b"\x06\x00", 1)))
    write(t, "direct-truncated", b"\x00" + plan(bad_rec[:-6]))


# ---------------------------------------------------------------- HID
US = {}
for i, c in enumerate("abcdefghijklmnopqrstuvwxyz"):
    US[c] = (0x04 + i, 0)
    US[c.upper()] = (0x04 + i, 0x02)
for i, c in enumerate("1234567890"):
    US[c] = (0x1E + i, 0)
for i, c in enumerate("!@#$%^&*()"):
    US[c] = (0x1E + i, 0x02)
US.update({"\r": (0x28, 0), "\t": (0x2B, 0), " ": (0x2C, 0), "-": (0x2D, 0), "_": (0x2D, 2), "=": (0x2E, 0),
           "+": (0x2E, 2), "[": (0x2F, 0), "]": (0x30, 0), "/": (0x38, 0), ".": (0x37, 0), ":": (0x33, 2),
           "\x1d": (0x30, 0x01)})  # GS as Ctrl+]
DE = dict(US)
DE.update({"z": (0x1D, 0), "y": (0x1C, 0), "Z": (0x1D, 2), "Y": (0x1C, 2), "-": (0x38, 0), "]": (0x26, 0x40),
           "/": (0x24, 2)})


def kb_reports(text, keymap, report_id=False):
    out = []
    for c in text:
        usage, mods = keymap[c]
        press = bytes([mods, 0, usage, 0, 0, 0, 0, 0])
        release = bytes(8)
        if report_id:
            press, release = b"\x01" + press, b"\x01" + release
        out += [press, release]
    return out


def body(reports):
    out = bytearray()
    for r in reports:
        if isinstance(r, int):
            out.append(r)  # a control value (0xFC..0xFF)
        else:
            out += bytes([len(r)]) + r
    return bytes(out)


def pos_reports(aim, data, report_id=0x02, size=64, data_max=56):
    out = []
    chunks = [data[i:i + data_max] for i in range(0, len(data), data_max)] or [b""]
    for i, c in enumerate(chunks):
        r = bytearray(size)
        r[0] = report_id
        r[1] = len(c)
        r[2:5] = aim
        r[5:5 + len(c)] = c
        if i + 1 < len(chunks):
            r[63] |= 0x01
        out.append(bytes(r))
    return out


IDLE, RESET_R, POLL, EXPECT = 0xFF, 0xFE, 0xFD, 0xFC


def hid_seeds():
    t = "hid_reports"
    us, de = 0, 2
    scan = "]C10109501101530003\x1d10ABC123\r"
    # mode: bits 0-2 layout, bits 3-4 kind (0 kb reports, 1 kb text, 2 POS reports, 3 POS text)
    write(t, "kb-us-gs1-ctrl-gs", bytes([us | 0x00, 0x00]) + body(kb_reports(scan, US)))
    write(t, "kb-us-report-id", bytes([us, 0x00]) + body(kb_reports("ABC-123\r", US, report_id=True)))
    write(t, "kb-de-qwertz", bytes([de, 0x00]) + body(kb_reports("Yz-12/\r", DE)))
    write(t, "kb-us-tab-suffix", bytes([us, 0x02]) + body(kb_reports("4006381333931\t", US)))
    write(t, "kb-us-prefix-stx", bytes([us, 0x10]) + body(kb_reports("ABC\r", US)))
    # Alt+0029 on the keypad types GS (Windows Alt code), then Enter.
    alt = [bytes([0x04, 0, k, 0, 0, 0, 0, 0]) for k in (0x62, 0x62, 0x5A, 0x61)]
    alt_seq = []
    for a in alt:
        alt_seq += [a, bytes([0x04, 0, 0, 0, 0, 0, 0, 0])]
    alt_seq.append(bytes(8))
    write(t, "kb-us-alt-code", bytes([us, 0x00]) + body(kb_reports("01", US) + alt_seq + kb_reports("10X\r", US)))
    # Phantom rollover report, a held key, bad lengths, idle flush, reset.
    phantom = bytes([0, 0, 1, 1, 1, 1, 1, 1])
    held = bytes([0, 0, 0x04, 0, 0, 0, 0, 0])
    write(t, "kb-us-rollover-idle", bytes([us, 0x00]) + body([held, phantom, held, bytes(8), b"\x00\x00\x05", IDLE]
                                                          + kb_reports("AB", US) + [RESET_R] + kb_reports("C\r", US)))
    write(t, "kb-us-overlong-16", bytes([us, 0x20]) + body(kb_reports("0123456789ABCDEFGHIJ\rOK\r", US)))
    write(t, "kb-us-no-suffix-idle", bytes([us, 0x03]) + body(kb_reports("12345", US) + [POLL, IDLE]))
    for i, name in enumerate(["us", "uk", "de", "fr", "it"]):
        write(t, "kbtext-" + name, bytes([i | 0x08, 0x00]) + b"]C10109501101530003\x1d10ABC-123/x\nHello, World! 42\n")
    write(t, "kbtext-us-report-id", bytes([0x08, 0x80]) + b"ABC{}|~`\"'<>?;:\t\x1b\n")
    # HID POS, Honeywell report 0x02: a barcode over three reports.
    long_code = b"0104012345678901" + b"21" + b"A" * 100 + b"\r\n"
    write(t, "pos-three-reports", bytes([0x10, 0x00]) + body(pos_reports(b"]d2", long_code)))
    write(t, "pos-ean13", bytes([0x10, 0x00]) + body(pos_reports(b"]E0", b"5901234123457\r\n")))
    # A menu command reply: REVINF text as ]X0, then ]Z echo with ACK.
    write(t, "pos-menu-reply", bytes([0x10, 0x00]) + body([EXPECT] + pos_reports(b"]X0", b"Product Name: Voyager 1450g\r\n")
                                                       + pos_reports(b"]Z0", b"REVINF\x06.")))
    # Another report id, a short report, an empty one, a bad length, an interrupted message.
    cut = pos_reports(b"]C1", b"X" * 80)[0]
    bad_len = bytearray(pos_reports(b"]E0", b"12")[0])
    bad_len[1] = 200
    write(t, "pos-odd-reports", bytes([0x10, 0x00]) + body([b"\x04" + bytes(63), b"\x02\x01", b"", bytes(bad_len), cut]
                                                         + pos_reports(b"]E0", b"123\r") + [cut, IDLE]))
    # A Newland-style layout (no AIM, no length byte, data 1..61, more flag at 63) from the
    # layout bytes (fuzz_hid_reports.cc): id, length, aim, data_offset, data_max, more,
    # mask, report_size.
    newland = bytes([0x10, 0x80, 0x02, 0, 0, 1, 60, 64, 0, 56])
    r = bytearray(64)
    r[0] = 2
    r[1:14] = b"5901234123457"
    write(t, "pos-layout-newland", newland + body([bytes(r)]))
    write(t, "postext-gs1", bytes([0x18, 0x00]) + b"0109501101530003\x1d10LOT42\x1d21" + b"S" * 60 + b"\r\n")


# ---------------------------------------------------------------- profiles
PROFILE_SEEDS = {
    "hidpos-newland": b'''driver = "hid-pos"
[hid_pos]
report_id = -1
report_size = 64
length_offset = -1
aim_offset = -1
data_offset = 0
data_max = 63
more_offset = 63
more_mask = 1
route_feature = false
''',
    "hidpos-beyond-size": b'driver = "hid-pos"\n[hid_pos]\nreport_size = 32\ndata_offset = 5\ndata_max = 56\n',
    "ssi-params": b'driver = "ssi"\n[ssi]\npermanent = true\nparams = [[0xEE, 1], [0x9F, 0], [70000, 1], [1]]\n[init]\ncommands = ["hex:C4", "hex:E9"]\n',
    "rfid": b'driver = "rfid-mercury"\n[rfid]\nwindow_ms = 500\nmin_reads = 3\nrssi_min_dbm = -65.5\nabsence_timeout_ms = 2000\nmax_tags = 1000\nantennas = [1, 2]\nread_power_cdbm = 2700\n',
    "rfid-absence-short": b'driver = "rfid-mercury"\n[rfid]\nwindow_ms = 5000\nabsence_timeout_ms = 1000\nrssi_min_dbm = nan\n',
    "match-pids-no-vid": b'driver = "hid-keyboard"\n[match]\nusb_pids = [0x1300]\nserial_description = "x"\n',
    "feedback-hex-bad": b'driver = "serial-ascii"\n[feedback]\nhost_ack = true\ngood = "hex:1B 4"\nbad = "hex:zz"\n',
    "keyboard-layout": b'driver = "hid-keyboard"\n[keyboard]\nlayout = "de"\n[framing]\nprefix = "\\u0002"\nsuffix = "TAB"\n',
    "syntax-error": b'driver = "ssi"\n[serial\nbaud = 9600\n',
    "unknown-key": b'driver = "serial-ascii"\n[serial]\nbaud_rate = 9600\n',
    "wrong-types": b'schema = "1"\ndriver = 5\n[serial]\nbaud = 9600.0\nparity = "NONE"\n[framing]\nmax_scan_bytes = 8\n',
    "quoted-key-newline": b'driver = "serial-ascii"\n[serial]\n"a\\nb" = 1\nparity = "x\\ny"\n',
    "symbology": b'driver = "serial-ascii"\n[symbology]\naim_ids = false\nenabled = ["gs1-128", "qr", "nope"]\n',
    "empty": b"",
    "crlf-firmware": b'driver = "ssi"\r\nmin_firmware = "PAAFLS00-002-R07"\r\n',
}


def profile_seeds():
    t = "profile"
    for f in sorted(os.listdir(PROFILES)):
        if f.endswith(".toml"):
            shutil.copyfile(os.path.join(PROFILES, f), os.path.join(CORPUS, t, "shipped-" + f[:-5]))
    for name, text in PROFILE_SEEDS.items():
        write(t, name, text)


if __name__ == "__main__":
    os.makedirs(os.path.join(CORPUS, "profile"), exist_ok=True)
    ssi_seeds()
    mercury_seeds()
    hid_seeds()
    profile_seeds()
