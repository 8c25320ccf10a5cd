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

  void fail(const toml::source_region& where, const std::string& what) {
    std::ostringstream os;
    os << file_ << ':' << std::max<std::uint32_t>(where.begin.line, 1) << ':'
       << std::max<std::uint32_t>(where.begin.column, 1) << ": " << what;
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

 private:
  void wrong_type(const toml::node& n, const std::string& key, const std::string& want) {
    fail(n.source(), "'" + key + "' must be " + want + ", not " + type_name(n.type()));
  }

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
  };
  const std::map<std::string, H> feedback_keys = {
      {"host_ack", [&](const toml::node& n, const std::string& k) { ck.get_bool(n, k, p.host_ack); }},
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
  };
  ck.walk(root, "", top_keys);

  if (!have_driver) ck.fail_at_top("missing required key 'driver' (one of: " + join(known_profile_drivers(), ", ") + ")");
  if (p.suffix.empty() && p.idle_timeout.count() == 0) {
    ck.fail_at_top("'framing.suffix' is empty and 'framing.idle_timeout_ms' is 0: scans would never end");
  }
  if (!ck.ok()) return make_error("profile_invalid", ck.message());
  return ok_status();
}

}  // namespace

const std::vector<std::string>& known_profile_drivers() {
  static const std::vector<std::string> drivers = {"serial-ascii"};
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

Result<Profile> load_profile_file(const std::string& path) {
  auto text = read_file(path);
  if (!text) return text.error();

  toml::table root;
  try {
    root = toml::parse(*text, path);
  } catch (const toml::parse_error& e) {
    std::ostringstream os;
    os << path << ':' << e.source().begin.line << ':' << e.source().begin.column << ": " << e.description();
    return make_error("profile_syntax", os.str());
  } catch (const std::exception& e) {
    return make_error("profile_syntax", path + ":1:1: " + e.what());
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
