#include "edge/profiles/profile.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include <toml++/toml.h>

#include "edge/core/text_escape.h"

namespace scanedge {
namespace {

constexpr std::uintmax_t kMaxProfileBytes = 1024 * 1024;

const char* type_name(toml::node_type t) {
  switch (t) {
    case toml::node_type::none: return "nothing";
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
  }
  return "an unknown type";
}

std::string join(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (const auto& s : items) {
    if (!out.empty()) out += sep;
    out += s;
  }
  return out;
}


// Collects every problem of one file as `file:line:column: what`.
class Checker {
 public:
  explicit Checker(std::string file) : file_(std::move(file)) {}

  // `what` may quote keys and values from the file: control characters are written \xNN
  // so that every problem stays on one line.
  void fail(const toml::source_region& where, const std::string& what) {
    std::ostringstream os;
    os << file_ << ':' << std::max<std::uint32_t>(where.begin.line, 1) << ':'
       << std::max<std::uint32_t>(where.begin.column, 1) << ": " << escape_controls(what);
    problems_.push_back(os.str());
  }
  void fail_at_top(const std::string& what) { problems_.push_back(file_ + ":1:1: " + what); }

  bool ok() const { return problems_.empty(); }
  std::string message() const { return join(problems_, "\n"); }

  void get_string(const toml::node& n, const std::string& key, std::string& out) {
    if (const auto* v = n.as_string()) {
      out = v->get();
    } else {
      wrong_type(n, key, "a string");
    }
  }
  void get_bool(const toml::node& n, const std::string& key, bool& out) {
    if (const auto* v = n.as_boolean()) {
      out = v->get();
    } else {
      wrong_type(n, key, "a boolean (true or false)");
    }
  }
  // Reads an integer in [lo, hi].
  bool get_int(const toml::node& n, const std::string& key, std::int64_t lo, std::int64_t hi,
               std::int64_t& out) {
    const auto* v = n.as_integer();
    if (v == nullptr) {
      wrong_type(n, key, "an integer");
      return false;
    }
    if (v->get() < lo || v->get() > hi) {
      fail(n.source(), "'" + key + "' = " + std::to_string(v->get()) + " is out of range (" +
                           std::to_string(lo) + ".." + std::to_string(hi) + ")");
      return false;
    }
    out = v->get();
    return true;
  }
  void get_choice(const toml::node& n, const std::string& key, const std::vector<std::string>& allowed,
                  std::string& out) {
    std::string s;
    const auto* v = n.as_string();
    if (v == nullptr) {
      wrong_type(n, key, "a string");
      return;
    }
    s = v->get();
    if (std::find(allowed.begin(), allowed.end(), s) == allowed.end()) {
      fail(n.source(), "'" + key + "' = \"" + s + "\" is not one of: " + join(allowed, ", "));
      return;
    }
    out = s;
  }

  // A device command: "hex:..." or a string (see decode_bytes). Empty on error.
  void get_bytes(const toml::node& n, const std::string& key, std::string& out, std::size_t max_len) {
    std::string s;
    const auto* v = n.as_string();
    if (v == nullptr) {
      wrong_type(n, key, "a string (\"hex:16 4D 0D\" or text with TOML escapes)");
      return;
    }
    auto b = decode_bytes(v->get());
    if (!b) {
      fail(n.source(), "'" + key + "': " + b.error().message);
      return;
    }
    if (b->size() > max_len) {
      fail(n.source(), "'" + key + "' is " + std::to_string(b->size()) + " bytes, more than " + std::to_string(max_len));
      return;
    }
    out = *b;
  }
  // An array of integers each in [lo, hi].
  bool get_int_array(const toml::node& n, const std::string& key, std::int64_t lo, std::int64_t hi,
                     std::size_t max_items, std::vector<int>& out) {
    const auto* a = n.as_array();
    if (a == nullptr) {
      wrong_type(n, key, "an array of integers");
      return false;
    }
    if (a->size() > max_items) {
      fail(n.source(), "'" + key + "' has " + std::to_string(a->size()) + " items, more than " + std::to_string(max_items));
      return false;
    }
    std::vector<int> vals;
    for (std::size_t i = 0; i < a->size(); ++i) {
      std::int64_t v = 0;
      if (!get_int((*a)[i], key + "[" + std::to_string(i) + "]", lo, hi, v)) return false;
      vals.push_back(static_cast<int>(v));
    }
    out = std::move(vals);
    return true;
  }
  // An array of strings; each element checked by `each` (index, node, string).
  void get_string_array(const toml::node& n, const std::string& key, std::size_t max_items,
                        const std::function<void(const toml::node&, const std::string&, const std::string&)>& each) {
    const auto* a = n.as_array();
    if (a == nullptr) {
      wrong_type(n, key, "an array of strings");
      return;
    }
    if (a->size() > max_items) {
      fail(n.source(), "'" + key + "' has " + std::to_string(a->size()) + " items, more than " + std::to_string(max_items));
      return;
    }
    for (std::size_t i = 0; i < a->size(); ++i) {
      const std::string ik = key + "[" + std::to_string(i) + "]";
      const auto* sv = (*a)[i].as_string();
      if (sv == nullptr) {
        wrong_type((*a)[i], ik, "a string");
        continue;
      }
      each((*a)[i], ik, sv->get());
    }
  }
  bool get_float(const toml::node& n, const std::string& key, double lo, double hi, double& out) {
    double v = 0;
    if (const auto* f = n.as_floating_point()) {
      v = f->get();
    } else if (const auto* i = n.as_integer()) {
      v = static_cast<double>(i->get());
    } else {
      wrong_type(n, key, "a number");
      return false;
    }
    if (!(v >= lo && v <= hi)) {
      fail(n.source(), "'" + key + "' = " + std::to_string(v) + " is out of range (" + std::to_string(lo) + ".." +
                           std::to_string(hi) + ")");
      return false;
    }
    out = v;
    return true;
  }

  using Handler = std::function<void(const toml::node&, const std::string& key)>;

  // Walks a table: every key must be known; each known key's handler checks its value.
  void walk(const toml::table& t, const std::string& prefix, const std::map<std::string, Handler>& known) {
    for (auto&& [k, v] : t) {
      const std::string key = prefix + std::string(k.str());
      auto it = known.find(std::string(k.str()));
      if (it == known.end()) {
        std::vector<std::string> names;
        for (const auto& [name, h] : known) names.push_back(prefix + name);
        fail(k.source(), "unknown key '" + key + "' (known here: " + join(names, ", ") + ")");
        continue;
      }
      it->second(v, key);
    }
  }
  // Walks `n` as a sub-table named `key`.
  void walk_table(const toml::node& n, const std::string& key, const std::map<std::string, Handler>& known) {
    const auto* t = n.as_table();
    if (t == nullptr) {
      wrong_type(n, key, "a table ([" + key + "])");
      return;
    }
    walk(*t, key + ".", known);
  }

 public:
  void wrong_type(const toml::node& n, const std::string& key, const std::string& want) {
    fail(n.source(), "'" + key + "' must be " + want + ", not " + type_name(n.type()));
  }

 private:

  std::string file_;
  std::vector<std::string> problems_;
};

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

Result<std::string> read_file(const std::string& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) return make_error("profile_unreadable", path + ": cannot read profile: " + ec.message());
  if (size > kMaxProfileBytes) {
    return make_error("profile_unreadable", path + ": profile is " + std::to_string(size) +
                                                " bytes, more than the limit of " +
                                                std::to_string(kMaxProfileBytes));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error("profile_unreadable", path + ": cannot open profile: " + std::strerror(errno));
  std::ostringstream os;
  os << in.rdbuf();
  if (in.bad()) return make_error("profile_unreadable", path + ": read error");
  return os.str();
}

bool valid_name(const std::string& name) {
  if (name.empty() || name.size() > 128 || name.front() == '.') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' || c == '.';
  });
}

// Rules that tie keys together; reported at the table they concern.
void check_cross_rules(Checker& ck, const toml::table& root, const Profile& p, bool have_usb_pids) {
  auto where = [&](const char* table) -> toml::source_region {
    if (const auto* n = root.get(table)) return n->source();
    return toml::source_region{};
  };
  const bool usb_driver = p.driver == "hid-keyboard" || p.driver == "hid-pos";
  if (have_usb_pids && p.match.usb_vid < 0) ck.fail(where("match"), "'match.usb_pids' needs 'match.usb_vid'");
  if (usb_driver && !p.match.serial_description.empty()) {
    ck.fail(where("match"), "'match.serial_description' does not apply to USB driver '" + p.driver + "'");
  }
  if (!usb_driver && p.match.usb_interface_class >= 0) {
    ck.fail(where("match"), "'match.usb_interface_class' applies only to USB drivers (hid-keyboard, hid-pos)");
  }
  const bool has_feedback_cmds = !p.feedback.good.empty() || !p.feedback.bad.empty() ||
                                 !p.feedback.warning.empty() || !p.feedback.storage_full.empty();
  if ((p.driver == "hid-keyboard" || p.driver == "rfid-mercury") && has_feedback_cmds) {
    ck.fail(where("feedback"), "driver '" + p.driver + "' has no command channel to the device: feedback commands cannot be sent");
  }
  if (p.driver == "hid-keyboard" && !p.init.empty()) {
    ck.fail(where("init"), "driver 'hid-keyboard' has no command channel to the device: 'init.commands' cannot be sent");
  }
  if (p.host_ack && p.driver != "serial-ascii") {
    ck.fail(where("feedback"), "'feedback.host_ack' applies only to driver 'serial-ascii'");
  }
  if (p.host_ack && has_feedback_cmds) {
    ck.fail(where("feedback"), "'feedback.host_ack' and feedback commands exclude each other (host ACK/NAK mode already uses the line)");
  }
  if (p.driver == "ssi") {
    for (std::size_t i = 0; i < p.init.size(); ++i) {
      if (p.init[i].size() > 250) ck.fail(where("init"), "'init.commands[" + std::to_string(i) + "]' is too long for one SSI frame (opcode + at most 249 data bytes)");
    }
  }
  if (p.driver == "hid-pos") {
    // The same rules the hid-pos driver applies at start, so a bad layout is a profile error.
    if (auto st = validate_hid_pos_layout(p.hid_pos); !st) ck.fail(where("hid_pos"), st.error().message);
  }
  if (p.rfid.absence_timeout < p.rfid.window) {
    ck.fail(where("rfid"), "'rfid.absence_timeout_ms' must be at least 'rfid.window_ms' (a tag must not disappear while it is still qualifying)");
  }
  if (!p.symbologies.empty() && !p.aim_ids && p.driver != "ssi") {
    ck.fail(where("symbology"), "'symbology.enabled' needs 'symbology.aim_ids = true' (the symbology is known only from the AIM id)");
  }
}

Status check_profile(Checker& ck, const toml::table& root, Profile& p) {
  using H = Checker::Handler;
  bool have_driver = false;

  const std::map<std::string, H> serial_keys = {
      {"baud", [&](const toml::node& n, const std::string& k) {
         std::int64_t v = 0;
         if (ck.get_int(n, k, 50, 4'000'000, v)) p.serial.baud = static_cast<int>(v);
       }},
      {"data_bits", [&](const toml::node& n, const std::string& k) {
         std::int64_t v = 0;
         if (ck.get_int(n, k, 5, 8, v)) p.serial.data_bits = static_cast<int>(v);
       }},
      {"stop_bits", [&](const toml::node& n, const std::string& k) {
         std::int64_t v = 0;
         if (ck.get_int(n, k, 1, 2, v)) p.serial.stop_bits = static_cast<int>(v);
       }},
      {"parity", [&](const toml::node& n, const std::string& k) {
         ck.get_choice(n, k, {"none", "odd", "even", "mark", "space"}, p.serial.parity);
       }},
      {"flow", [&](const toml::node& n, const std::string& k) {
         ck.get_choice(n, k, {"none", "xonxoff", "rtscts", "dtrdsr"}, p.serial.flow);
       }},
  };
  const std::map<std::string, H> framing_keys = {
      {"prefix", [&](const toml::node& n, const std::string& k) {
         std::string s;
         ck.get_string(n, k, s);
         p.prefix = decode_affix(s);
         if (p.prefix.size() > 32) ck.fail(n.source(), "'" + k + "' is longer than 32 bytes");
       }},
      {"suffix", [&](const toml::node& n, const std::string& k) {
         std::string s;
         ck.get_string(n, k, s);
         p.suffix = decode_affix(s);
         if (p.suffix.size() > 8) ck.fail(n.source(), "'" + k + "' is longer than 8 bytes");
       }},
      {"idle_timeout_ms", [&](const toml::node& n, const std::string& k) {
         std::int64_t v = 0;
         if (ck.get_int(n, k, 0, 60'000, v)) p.idle_timeout = std::chrono::milliseconds(v);
       }},
      {"max_scan_bytes", [&](const toml::node& n, const std::string& k) {
         std::int64_t v = 0;
         if (ck.get_int(n, k, 16, 65'536, v)) p.max_scan_bytes = static_cast<std::size_t>(v);
       }},
  };
  const std::map<std::string, H> symbology_keys = {
      {"aim_ids", [&](const toml::node& n, const std::string& k) { ck.get_bool(n, k, p.aim_ids); }},
      {"enabled", [&](const toml::node& n, const std::string& k) {
         ck.get_string_array(n, k, 64, [&](const toml::node& e, const std::string& ik, const std::string& name) {
           const auto& known = known_symbologies();
           if (std::none_of(known.begin(), known.end(), [&](const auto& kv) { return kv.first == name; })) {
             std::vector<std::string> names;
             for (const auto& kv : known) names.push_back(kv.first);
             ck.fail(e.source(), "'" + ik + "' = \"" + name + "\" is not a known symbology (known: " + join(names, ", ") + ")");
             return;
           }
           p.symbologies.push_back(name);
         });
       }},
  };
  auto feedback_cmd = [&](ByteCommand& out) {
    return [&](const toml::node& n, const std::string& k) { ck.get_bytes(n, k, out, 256); };
  };
  const std::map<std::string, H> feedback_keys = {
      {"host_ack", [&](const toml::node& n, const std::string& k) { ck.get_bool(n, k, p.host_ack); }},
      {"good", feedback_cmd(p.feedback.good)},
      {"bad", feedback_cmd(p.feedback.bad)},
      {"warning", feedback_cmd(p.feedback.warning)},
      {"storage_full", feedback_cmd(p.feedback.storage_full)},
  };
  bool have_match_usb_pids = false;
  const std::map<std::string, H> match_keys = {
      {"usb_vid", [&](const toml::node& n, const std::string& k) {
         std::int64_t v = 0;
         if (ck.get_int(n, k, 0, 0xFFFF, v)) p.match.usb_vid = static_cast<int>(v);
       }},
      {"usb_pids", [&](const toml::node& n, const std::string& k) {
         have_match_usb_pids = true;
         ck.get_int_array(n, k, 0, 0xFFFF, 64, p.match.usb_pids);
       }},
      {"usb_interface_class", [&](const toml::node& n, const std::string& k) {
         std::int64_t v = 0;
         if (ck.get_int(n, k, 0, 0xFF, v)) p.match.usb_interface_class = static_cast<int>(v);
       }},
      {"serial_description", [&](const toml::node& n, const std::string& k) {
         ck.get_string(n, k, p.match.serial_description);
         if (p.match.serial_description.size() > 128) ck.fail(n.source(), "'" + k + "' is longer than 128 characters");
       }},
  };
  const std::map<std::string, H> init_keys = {
      {"commands", [&](const toml::node& n, const std::string& k) {
         ck.get_string_array(n, k, 64, [&](const toml::node& e, const std::string& ik, const std::string& v) {
           auto b = decode_bytes(v);
           if (!b) {
             ck.fail(e.source(), "'" + ik + "': " + b.error().message);
           } else if (b->empty() || b->size() > 1024) {
             ck.fail(e.source(), "'" + ik + "' must be 1..1024 bytes");
           } else {
             p.init.push_back(*b);
           }
         });
       }},
  };
  const std::map<std::string, H> keyboard_keys = {
      {"layout", [&](const toml::node& n, const std::string& k) {
         ck.get_choice(n, k, {"us", "de", "fr", "uk", "it"}, p.keyboard_layout);
       }},
  };
  auto int_field = [&](int& out, std::int64_t lo, std::int64_t hi) {
    return [&out, lo, hi, &ck](const toml::node& n, const std::string& k) {
      std::int64_t v = 0;
      if (ck.get_int(n, k, lo, hi, v)) out = static_cast<int>(v);
    };
  };
  const std::map<std::string, H> hid_pos_keys = {
      {"report_id", int_field(p.hid_pos.report_id, -1, 255)},
      {"report_size", int_field(p.hid_pos.report_size, 8, 1024)},
      {"length_offset", int_field(p.hid_pos.length_offset, -1, 1023)},
      {"aim_offset", int_field(p.hid_pos.aim_offset, -1, 1023)},
      {"data_offset", int_field(p.hid_pos.data_offset, 0, 1023)},
      {"data_max", int_field(p.hid_pos.data_max, 1, 1024)},
      {"more_offset", int_field(p.hid_pos.more_offset, -1, 1023)},
      {"more_mask", int_field(p.hid_pos.more_mask, 1, 255)},
      {"route_feature", [&](const toml::node& n, const std::string& k) { ck.get_bool(n, k, p.hid_pos.route_feature); }},
  };
  const std::map<std::string, H> ssi_keys = {
      {"permanent", [&](const toml::node& n, const std::string& k) { ck.get_bool(n, k, p.ssi.permanent); }},
      {"params", [&](const toml::node& n, const std::string& k) {
         const auto* a = n.as_array();
         if (a == nullptr || a->size() > 256) {
           ck.wrong_type(n, k, "an array (at most 256) of [parameter, value] pairs");
           return;
         }
         for (std::size_t i = 0; i < a->size(); ++i) {
           std::vector<int> pair;
           const std::string ik = k + "[" + std::to_string(i) + "]";
           const auto* inner = (*a)[i].as_array();
           if (inner == nullptr || inner->size() != 2) {
             ck.wrong_type((*a)[i], ik, "a [parameter, value] pair");
             continue;
           }
           std::int64_t num = 0, val = 0;
           if (ck.get_int((*inner)[0], ik + "[0]", 0, 0xFFFF, num) && ck.get_int((*inner)[1], ik + "[1]", 0, 255, val)) {
             p.ssi.params.emplace_back(static_cast<int>(num), static_cast<int>(val));
           }
         }
       }},
  };
  const std::map<std::string, H> rfid_keys = {
      {"window_ms", [&](const toml::node& n, const std::string& k) {
         std::int64_t v = 0;
         if (ck.get_int(n, k, 1, 600'000, v)) p.rfid.window = std::chrono::milliseconds(v);
       }},
      {"min_reads", int_field(p.rfid.min_reads, 1, 10'000)},
      {"rssi_min_dbm", [&](const toml::node& n, const std::string& k) { ck.get_float(n, k, -150.0, 30.0, p.rfid.rssi_min_dbm); }},
      {"absence_timeout_ms", [&](const toml::node& n, const std::string& k) {
         std::int64_t v = 0;
         if (ck.get_int(n, k, 1, 86'400'000, v)) p.rfid.absence_timeout = std::chrono::milliseconds(v);
       }},
      {"max_tags", [&](const toml::node& n, const std::string& k) {
         std::int64_t v = 0;
         if (ck.get_int(n, k, 1, 1'000'000, v)) p.rfid.max_tags = static_cast<std::size_t>(v);
       }},
      {"antennas", [&](const toml::node& n, const std::string& k) { ck.get_int_array(n, k, 1, 64, 64, p.rfid.antennas); }},
      {"read_power_cdbm", int_field(p.rfid.read_power_cdbm, 0, 3150)},
  };
  const std::map<std::string, H> top_keys = {
      {"schema", [&](const toml::node& n, const std::string& k) {
         std::int64_t v = 0;
         if (ck.get_int(n, k, 1, 1, v)) p.schema = static_cast<int>(v);
       }},
      {"description", [&](const toml::node& n, const std::string& k) { ck.get_string(n, k, p.description); }},
      {"driver", [&](const toml::node& n, const std::string& k) {
         have_driver = true;
         ck.get_choice(n, k, known_profile_drivers(), p.driver);
       }},
      {"serial", [&](const toml::node& n, const std::string& k) { ck.walk_table(n, k, serial_keys); }},
      {"framing", [&](const toml::node& n, const std::string& k) { ck.walk_table(n, k, framing_keys); }},
      {"symbology", [&](const toml::node& n, const std::string& k) { ck.walk_table(n, k, symbology_keys); }},
      {"feedback", [&](const toml::node& n, const std::string& k) { ck.walk_table(n, k, feedback_keys); }},
      {"min_firmware", [&](const toml::node& n, const std::string& k) {
         ck.get_string(n, k, p.min_firmware);
         if (p.min_firmware.size() > 64) ck.fail(n.source(), "'" + k + "' is longer than 64 characters");
       }},
      {"match", [&](const toml::node& n, const std::string& k) { ck.walk_table(n, k, match_keys); }},
      {"init", [&](const toml::node& n, const std::string& k) { ck.walk_table(n, k, init_keys); }},
      {"keyboard", [&](const toml::node& n, const std::string& k) { ck.walk_table(n, k, keyboard_keys); }},
      {"hid_pos", [&](const toml::node& n, const std::string& k) { ck.walk_table(n, k, hid_pos_keys); }},
      {"ssi", [&](const toml::node& n, const std::string& k) { ck.walk_table(n, k, ssi_keys); }},
      {"rfid", [&](const toml::node& n, const std::string& k) { ck.walk_table(n, k, rfid_keys); }},
  };
  ck.walk(root, "", top_keys);

  if (!have_driver) ck.fail_at_top("missing required key 'driver' (one of: " + join(known_profile_drivers(), ", ") + ")");
  if (p.suffix.empty() && p.idle_timeout.count() == 0) {
    ck.fail_at_top("'framing.suffix' is empty and 'framing.idle_timeout_ms' is 0: scans would never end");
  }
  check_cross_rules(ck, root, p, have_match_usb_pids);
  if (!ck.ok()) return make_error("profile_invalid", ck.message());
  return ok_status();
}

}  // namespace

const std::vector<std::string>& known_profile_drivers() {
  static const std::vector<std::string> drivers = {"serial-ascii", "hid-keyboard", "hid-pos", "ssi", "rfid-mercury"};
  return drivers;
}

std::string decode_affix(const std::string& value) {
  const std::string u = upper(value);
  if (u == "CR") return "\r";
  if (u == "LF") return "\n";
  if (u == "CRLF") return "\r\n";
  if (u == "TAB") return "\t";
  if (u == "NONE") return "";
  return value;
}

namespace {
Error layout_error(const std::string& what) { return make_error("invalid_hid_pos_layout", "[hid_pos] " + what); }
}  // namespace

Status validate_hid_pos_layout(const HidPosLayout& l) {
  if (l.report_size < 1 || l.report_size > 1024)
    return layout_error("report_size " + std::to_string(l.report_size) + " is outside 1..1024");
  if (l.report_id < -1 || l.report_id > 255)
    return layout_error("report_id " + std::to_string(l.report_id) + " is outside -1..255");
  const int first = l.report_id >= 0 ? 1 : 0;  // byte 0 is the id
  const int size = l.report_size;
  if (l.data_max < 1) return layout_error("data_max must be at least 1");
  if (l.data_offset < first || l.data_offset + l.data_max > size)
    return layout_error("data window " + std::to_string(l.data_offset) + "+" + std::to_string(l.data_max) +
                        " does not fit in a " + std::to_string(size) + "-byte report" +
                        (first ? " after the id byte" : ""));
  auto in_data = [&](int off) { return off >= l.data_offset && off < l.data_offset + l.data_max; };
  auto check_byte = [&](const char* name, int off) -> Status {
    if (off == -1) return ok_status();
    if (off < first || off >= size)
      return layout_error(std::string(name) + " " + std::to_string(off) + " is outside the report (" +
                          std::to_string(first) + ".." + std::to_string(size - 1) + ")");
    if (in_data(off)) return layout_error(std::string(name) + " " + std::to_string(off) + " lies in the data window");
    return ok_status();
  };
  if (auto s = check_byte("length_offset", l.length_offset); !s) return s;
  if (auto s = check_byte("more_offset", l.more_offset); !s) return s;
  if (l.aim_offset != -1) {
    if (l.aim_offset < first || l.aim_offset + 3 > size)
      return layout_error("aim_offset " + std::to_string(l.aim_offset) + " leaves no room for a 3-byte AIM id");
    for (int i = 0; i < 3; ++i)
      if (in_data(l.aim_offset + i)) return layout_error("the AIM field overlaps the data window");
    for (int off : {l.length_offset, l.more_offset})
      if (off >= l.aim_offset && off < l.aim_offset + 3)
        return layout_error("the AIM field overlaps the length or more byte");
  }
  if (l.length_offset != -1 && l.length_offset == l.more_offset)
    return layout_error("length_offset and more_offset are the same byte");
  if (l.more_offset != -1 && (l.more_mask < 1 || l.more_mask > 255))
    return layout_error("more_mask " + std::to_string(l.more_mask) + " is outside 1..255");
  return ok_status();
}

Result<std::string> decode_bytes(const std::string& value) {
  if (value.size() < 4 || upper(value.substr(0, 4)) != "HEX:") return decode_affix(value);
  std::string out;
  int hi = -1;
  for (std::size_t i = 4; i < value.size(); ++i) {
    const char c = value[i];
    if (c == ' ' || c == ',') {
      if (hi >= 0) return make_error("bad_byte_string", "odd number of hex digits before column " + std::to_string(i + 1));
      continue;
    }
    int d = -1;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
    if (d < 0) {
      return make_error("bad_byte_string", std::string("'") + c + "' at position " + std::to_string(i + 1) +
                                               " is not a hex digit");
    }
    if (hi < 0) {
      hi = d;
    } else {
      out.push_back(static_cast<char>(hi * 16 + d));
      hi = -1;
    }
  }
  if (hi >= 0) return make_error("bad_byte_string", "odd number of hex digits");
  if (out.empty()) return make_error("bad_byte_string", "no bytes after 'hex:'");
  return out;
}

const std::vector<std::pair<std::string, char>>& known_symbologies() {
  // AIM symbology identifier letters (ISO/IEC 15424).
  static const std::vector<std::pair<std::string, char>> table = {
      {"code39", 'A'},     {"code128", 'C'},  {"gs1-128", 'C'}, {"ean-upc", 'E'},    {"codabar", 'F'},
      {"code93", 'G'},     {"itf", 'I'},      {"pdf417", 'L'},  {"qr", 'Q'},         {"datamatrix", 'd'},
      {"gs1-databar", 'e'}, {"aztec", 'z'},   {"maxicode", 'U'}, {"dotcode", 'J'},   {"msi", 'M'},
  };
  return table;
}

bool symbology_enabled(const Profile& p, std::string_view data) {
  // ssi: the driver adds the AIM id from DECODE_DATA's barcode type when the scanner does not.
  if (p.symbologies.empty() || (!p.aim_ids && p.driver != "ssi")) return true;
  if (data.size() < 3 || data[0] != ']') return true;
  const char letter = data[1];
  const auto& known = known_symbologies();
  for (const auto& name : p.symbologies) {
    for (const auto& [n, l] : known) {
      if (n == name && l == letter) return true;
    }
  }
  return false;
}

int compare_firmware(std::string_view a, std::string_view b) {
  // Split into runs of digits and runs of other characters; digits compare numerically
  // (leading zeros ignored), other runs case-insensitively; separators . - _ space are ignored.
  auto is_sep = [](char c) { return c == '.' || c == '-' || c == '_' || c == ' '; };
  auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  std::size_t i = 0, j = 0;
  while (true) {
    while (i < a.size() && is_sep(a[i])) ++i;
    while (j < b.size() && is_sep(b[j])) ++j;
    if (i >= a.size() || j >= b.size()) break;
    const bool da = is_digit(a[i]), db = is_digit(b[j]);
    if (da && db) {
      while (i < a.size() && a[i] == '0') ++i;
      while (j < b.size() && b[j] == '0') ++j;
      std::size_t ei = i, ej = j;
      while (ei < a.size() && is_digit(a[ei])) ++ei;
      while (ej < b.size() && is_digit(b[ej])) ++ej;
      if (ei - i != ej - j) return ei - i < ej - j ? -1 : 1;
      const int c = a.substr(i, ei - i).compare(b.substr(j, ej - j));
      if (c != 0) return c < 0 ? -1 : 1;
      i = ei;
      j = ej;
    } else if (da != db) {
      return da ? 1 : -1;  // a number sorts after text ("1.0" > "1.0beta" is not modelled; rare)
    } else {
      std::size_t ei = i, ej = j;
      while (ei < a.size() && !is_digit(a[ei]) && !is_sep(a[ei])) ++ei;
      while (ej < b.size() && !is_digit(b[ej]) && !is_sep(b[ej])) ++ej;
      const std::string ua = upper(std::string(a.substr(i, ei - i))), ub = upper(std::string(b.substr(j, ej - j)));
      const int c = ua.compare(ub);
      if (c != 0) return c < 0 ? -1 : 1;
      i = ei;
      j = ej;
    }
  }
  const bool more_a = i < a.size(), more_b = j < b.size();
  if (more_a == more_b) return 0;
  return more_a ? 1 : -1;
}

Result<Profile> load_profile_file(const std::string& path) {
  auto text = read_file(path);
  if (!text) return text.error();

  toml::table root;
  try {
    root = toml::parse(*text, path);
  } catch (const toml::parse_error& e) {
    std::ostringstream os;
    os << path << ':' << std::max<std::uint32_t>(e.source().begin.line, 1) << ':'
       << std::max<std::uint32_t>(e.source().begin.column, 1) << ": " << escape_controls(e.description());
    return make_error("profile_syntax", os.str());
  } catch (const std::exception& e) {
    return make_error("profile_syntax", path + ":1:1: " + escape_controls(e.what()));
  }

  Profile p;
  p.source = path;
  p.name = std::filesystem::path(path).stem().string();
  try {
    Checker ck(path);
    auto st = check_profile(ck, root, p);
    if (!st) return st.error();
  } catch (const std::exception& e) {
    return make_error("profile_invalid", path + ":1:1: " + e.what());
  }
  return p;
}

Result<std::vector<std::string>> list_profiles(const std::string& dir) {
  std::error_code ec;
  std::vector<std::string> names;
  std::filesystem::directory_iterator it(dir, ec);
  if (ec) return make_error("profile_unreadable", dir + ": cannot list profiles: " + ec.message());
  for (; it != std::filesystem::directory_iterator(); it.increment(ec)) {
    if (ec) return make_error("profile_unreadable", dir + ": cannot list profiles: " + ec.message());
    const auto& entry = it->path();
    if (entry.extension() == ".toml") names.push_back(entry.stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

Result<Profile> find_profile(const std::string& dir, const std::string& name) {
  if (!valid_name(name)) {
    return make_error("profile_name_invalid",
                      "profile name '" + name + "' is invalid: use letters, digits, '-', '_' or '.'");
  }
  const std::string path = (std::filesystem::path(dir) / (name + ".toml")).string();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    auto names = list_profiles(dir);
    std::string known = names ? join(*names, ", ") : names.error().message;
    return make_error("profile_not_found", "no profile '" + name + "' in " + dir + " (available: " +
                                               (known.empty() ? "none" : known) + ")");
  }
  return load_profile_file(path);
}

}  // namespace scanedge
