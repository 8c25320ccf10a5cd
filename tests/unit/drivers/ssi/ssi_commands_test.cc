#include "drivers/ssi/ssi_commands.h"

#include <gtest/gtest.h>

#include "drivers/ssi/ssi_barcode_types.h"
#include "tests/unit/drivers/ssi/ssi_test_util.h"

namespace scanedge::ssi {
namespace {

using testing::hex;
using testing::to_hex;

TEST(SsiCommands, AckNakAndRevisionRequestBytes) {
  EXPECT_EQ(to_hex(ack_frame()), "04 D0 04 00 FF 28");
  EXPECT_EQ(to_hex(nak_frame(kNakResend)), "05 D1 04 00 01 FF 25");
  EXPECT_EQ(to_hex(revision_request_frame()), "04 A3 04 00 FF 55");
}

TEST(SsiCommands, ParamSendBytesExactly) {
  auto f = param_send_frames({{0x9F, 1}, {0xEE, 0}}, false);
  ASSERT_TRUE(f.ok()) << f.error().message;
  ASSERT_EQ(f->size(), 1u);
  EXPECT_EQ(to_hex((*f)[0]), "09 C6 04 00 FF 9F 01 EE 00 FC A0");
}

TEST(SsiCommands, PermanentParamSendSetsStatusBit3) {
  auto f = param_send_frames({{0x9F, 1}, {0xEE, 0}}, true);
  ASSERT_TRUE(f.ok());
  ASSERT_EQ(f->size(), 1u);
  EXPECT_EQ(to_hex((*f)[0]), "09 C6 04 08 FF 9F 01 EE 00 FC 98");
}

TEST(SsiCommands, NoParamsNoFrames) {
  auto f = param_send_frames({}, false);
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(f->empty());
}

TEST(SsiCommands, ParamNumberEncodings) {
  auto enc = [](int n) {
    auto r = encode_param_number(n);
    EXPECT_TRUE(r.ok()) << n;
    return r.ok() ? to_hex(testing::Bytes(r->begin(), r->end())) : std::string("error");
  };
  EXPECT_EQ(enc(0x00), "00");
  EXPECT_EQ(enc(0xEF), "EF");
  EXPECT_EQ(enc(0x10B), "F0 0B");
  EXPECT_EQ(enc(0x2A0), "F1 A0");
  EXPECT_EQ(enc(0x3EF), "F2 EF");
  EXPECT_EQ(enc(0xF0), "F8 00 F0");   // 0xF0..0xFF of a page: only the extended form
  EXPECT_EQ(enc(0x1F5), "F8 01 F5");
  EXPECT_EQ(enc(0x4D2), "F8 04 D2");
  EXPECT_EQ(enc(0xFFFF), "F8 FF FF");
  EXPECT_FALSE(encode_param_number(-1).ok());
  EXPECT_FALSE(encode_param_number(0x10000).ok());
}

TEST(SsiCommands, ManyParamsAreSplitOverFramesEachWithItsBeepCode) {
  std::vector<std::pair<int, int>> params;
  for (int i = 0; i < 200; ++i) params.emplace_back(0x100 + (i % 0xE0), i % 256);  // 3 bytes each
  auto f = param_send_frames(params, false);
  ASSERT_TRUE(f.ok());
  ASSERT_EQ(f->size(), 3u);  // 600 bytes of entries: 83 + 83 + 34 entries
  std::size_t entries = 0;
  for (const auto& fr : *f) {
    ASSERT_LE(fr.size(), kMaxFrameBytes);
    EXPECT_EQ(fr[0], fr.size() - 2);
    EXPECT_EQ(fr[1], opcode::param_send);
    EXPECT_EQ(fr[4], kParamNoBeep);
    EXPECT_EQ((fr.size() - 7) % 3, 0u);
    entries += (fr.size() - 7) / 3;
    // The first entry of every frame starts with the page prefix F0.
    EXPECT_EQ(fr[5], 0xF0);
  }
  EXPECT_EQ(entries, params.size());
}

TEST(SsiCommands, InvalidParamValueNamesTheEntry) {
  auto f = param_send_frames({{0x9F, 1}, {0xEE, 300}}, false);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().code, "invalid_ssi_param");
  EXPECT_NE(f.error().message.find("ssi.params[1]"), std::string::npos) << f.error().message;
  auto g = param_send_frames({{70000, 1}}, false);
  ASSERT_FALSE(g.ok());
  EXPECT_NE(g.error().message.find("ssi.params[0]"), std::string::npos) << g.error().message;
}

TEST(SsiCommands, ProfileCommandIsFramedAsOpcodePlusData) {
  auto beep = command_frame(std::string("\xE6\x01", 2));
  ASSERT_TRUE(beep.ok());
  EXPECT_EQ(to_hex(*beep), "05 E6 04 00 01 FF 10");
  auto led = command_frame(std::string("\xE8", 1));
  ASSERT_TRUE(led.ok());
  EXPECT_EQ(*led, testing::frame(0xE8, {}, 0, 0x04));
  auto empty = command_frame("");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code, "invalid_ssi_command");
  auto huge = command_frame(std::string("\xE6", 1) + std::string(252, 'x'));
  ASSERT_FALSE(huge.ok());
  EXPECT_EQ(huge.error().code, "invalid_ssi_command");
}

TEST(SsiCommands, RevisionReplyFirstFieldIsTheFirmware) {
  auto r = parse_revision(std::string("PAAFLS00-002-R07  0 DS3608\0", 27));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->firmware, "PAAFLS00-002-R07");
  EXPECT_EQ(r->full, "PAAFLS00-002-R07  0 DS3608");
  EXPECT_FALSE(parse_revision("   ").ok());
  EXPECT_FALSE(parse_revision(std::string("\x01\x02 x", 4)).ok());
}

TEST(SsiBarcodeTypes, CommonTypesMapToTheirAimIds) {
  struct Case {
    std::uint8_t type;
    const char* data;
    const char* want;
  } cases[] = {
      {0x03, "ABC123", "]C0ABC123"},
      {0x0F, "\x1d" "0109506000134352", "]C10109506000134352"},  // leading FNC1 as GS dropped
      {0x0F, "01095060001343521" "0A\x1d" "17", "]C1010950600013435210A\x1d" "17"},
      {0x0B, "4006381333931", "]E04006381333931"},
      {0x0A, "96385074", "]E496385074"},
      {0x08, "036000291452", "]E0036000291452"},
      {0x1B, "hello", "]d1hello"},
      {0xC1, "0109506000134352", "]d20109506000134352"},
      {0x1C, "https://example.com/01/09506000134352", "]Q1https://example.com/01/09506000134352"},
      {0xC2, "0109506000134352", "]Q30109506000134352"},
      {0x11, "pdf", "]L2pdf"},
      {0x06, "12345678901231", "]I012345678901231"},
      {0x01, "CODE39", "]A0CODE39"},
      {0x30, "0109506000134352", "]e00109506000134352"},
      {0x32, "0109506000134352", "]e00109506000134352"},
  };
  for (const auto& c : cases) {
    auto t = scan_text(c.type, c.data, false);
    EXPECT_TRUE(t.known_type) << int{c.type};
    EXPECT_EQ(t.data, c.want) << int{c.type};
  }
}

TEST(SsiBarcodeTypes, UnknownTypeHasNoAimIdAndAimOnLeavesDataAlone) {
  auto u = scan_text(0x7E, "DATA", false);
  EXPECT_FALSE(u.known_type);
  EXPECT_EQ(u.data, "DATA");
  auto on = scan_text(0x0B, "]E04006381333931", true);
  EXPECT_TRUE(on.known_type);
  EXPECT_EQ(on.data, "]E04006381333931");
}

}  // namespace
}  // namespace scanedge::ssi
