#include "drivers/ssi/ssi_barcode_types.h"

#include <array>

namespace scanedge::ssi {
namespace {

constexpr std::array<SsiBarcodeType, 15> kTypes{{
    {0x01, "Code 39", "]A0", false},
    {0x03, "Code 128", "]C0", false},
    {0x06, "Interleaved 2 of 5", "]I0", false},
    {0x08, "UPC-A", "]E0", false},
    {0x0A, "EAN-8", "]E4", false},
    {0x0B, "EAN-13", "]E0", false},
    {0x0F, "GS1-128", "]C1", true},
    {0x11, "PDF417", "]L2", false},
    {0x1B, "Data Matrix", "]d1", false},
    {0x1C, "QR Code", "]Q1", false},
    {0x30, "GS1 DataBar", "]e0", true},
    {0x31, "GS1 DataBar Limited", "]e0", true},
    {0x32, "GS1 DataBar Expanded", "]e0", true},
    {0xC1, "GS1 Data Matrix", "]d2", true},
    {0xC2, "GS1 QR Code", "]Q3", true},
}};

}  // namespace

std::span<const SsiBarcodeType> ssi_barcode_types() { return kTypes; }

const SsiBarcodeType* find_ssi_barcode_type(std::uint8_t code) {
  for (const auto& t : kTypes) {
    if (t.code == code) return &t;
  }
  return nullptr;
}

ScanText scan_text(std::uint8_t barcode_type, std::string_view data, bool scanner_sends_aim) {
  ScanText out;
  if (scanner_sends_aim) {
    (void)barcode_type;  // the scanner's own AIM id already names the symbology
    out.data.assign(data);
    return out;
  }
  const SsiBarcodeType* t = find_ssi_barcode_type(barcode_type);
  if (t == nullptr) {
    out.data.assign(data);
    out.known_type = false;
    return out;
  }
  if (t->gs1 && !data.empty() && data.front() == '\x1d') data.remove_prefix(1);
  out.data.reserve(3 + data.size());
  out.data.append(t->aim);
  out.data.append(data);
  return out;
}

}  // namespace scanedge::ssi
