// What a scanner (or a software scanner on the bus) delivered, before decoding.
#pragma once

#include <chrono>
#include <string>

namespace scanedge {

struct RawScan {
  std::string data;     // bytes exactly as delivered, AIM id first if any, GS as 0x1D
  std::string scanner;  // stable scanner identity, e.g. "usb:05e0:1200:SN123", "bus:camera"
  std::chrono::nanoseconds mono{0};  // Clock::monotonic() when the scan was complete
  // True when `data` is an RFID tag's EPC as upper-case hex (from an RFID reader, after the
  // read filter), decoded as EPC binary (decode_epc), not as barcode bytes.
  bool rfid_epc = false;
  // Set by the device layer when the scanner's profile refuses this scan before any task
  // matching (e.g. code "symbology_disabled": the symbology is not in the profile's enabled
  // list). The confirmer then records it as scan.rejected with this code and message.
  std::string refusal_code;
  std::string refusal_message;
};

}  // namespace scanedge
