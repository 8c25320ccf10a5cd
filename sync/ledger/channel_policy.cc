#include "sync/ledger/channel_policy.h"

#include <algorithm>
#include <fstream>
#include <optional>
#include <sstream>
#include <vector>

#include <toml++/toml.h>

#include "edge/core/text_escape.h"

namespace scanedge::ledger {

namespace {

constexpr std::int64_t kMaxValue = 1'000'000'000;


std::string describe(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string: return "the string \"" + escape_controls(n.value_or(std::string{})) + "\"";
    case toml::node_type::integer: return "the integer " + std::to_string(n.value_or<std::int64_t>(0));
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    default: return "nothing";
  }
}

class Problems {
 public:
  explicit Problems(std::string source) : source_(std::move(source)) {}
  void add(const toml::source_region& where, const std::string& what) {
    const std::uint32_t line = std::max<std::uint32_t>(where.begin.line, 1);
    const std::uint32_t column = std::max<std::uint32_t>(where.begin.column, 1);
    std::ostringstream os;
    os << source_ << ':' << line << ':' << column << ": " << escape_controls(what);
    list_.push_back({line, column, os.str()});
  }
  bool empty() const { return list_.empty(); }
  // In file order (toml++ iterates tables by key).
  std::string joined() {
    std::stable_sort(list_.begin(), list_.end(), [](const Problem& a, const Problem& b) {
      return a.line != b.line ? a.line < b.line : a.column < b.column;
    });
    std::string out;
    for (const Problem& p : list_) {
      if (!out.empty()) out += '\n';
      out += p.text;
    }
    return out;
  }

 private:
  struct Problem {
    std::uint32_t line;
    std::uint32_t column;
    std::string text;
  };
  std::string source_;
  std::vector<Problem> list_;
};

// Reads an integer key in [min, kMaxValue]; problems are recorded, nullopt then.
std::optional<std::int64_t> integer_in_range(Problems& p, const toml::node& n, const std::string& name,
                                             std::int64_t min) {
  const auto* i = n.as_integer();
  if (i == nullptr) {
    p.add(n.source(), name + ": expected an integer, got " + describe(n));
    return std::nullopt;
  }
  const std::int64_t v = i->get();
  if (v < min || v > kMaxValue) {
    p.add(n.source(), name + ": " + std::to_string(v) + " is out of range " + std::to_string(min) + ".." +
                          std::to_string(kMaxValue));
    return std::nullopt;
  }
  return v;
}

}  // namespace

bool valid_channel_name(std::string_view name) {
  if (name.empty() || name.size() > 32) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

Result<ChannelPolicy> parse_channel_policy(std::string_view text, const std::string& source) {
  toml::table root;
  try {
    root = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    std::ostringstream os;
    os << source << ':' << std::max<std::uint32_t>(e.source().begin.line, 1) << ':'
       << std::max<std::uint32_t>(e.source().begin.column, 1) << ": " << escape_controls(e.description());
    return make_error("bad_policy", os.str());
  } catch (const std::exception& e) {
    return make_error("bad_policy", source + ":1:1: " + escape_controls(e.what()));
  }

  ChannelPolicy policy;
  Problems p(source);
  for (const auto& [key, value] : root) {
    if (key.str() != "channels") {
      p.add(key.source(), "unknown key \"" + std::string(key.str()) + "\" (known: channels)");
      continue;
    }
    const auto* channels = value.as_table();
    if (channels == nullptr) {
      p.add(value.source(), "channels: expected a table ([channels.NAME]), got " + describe(value));
      continue;
    }
    for (const auto& [ckey, cvalue] : *channels) {
      const std::string name(ckey.str());
      const std::string where = "channels." + name;
      if (!valid_channel_name(name)) {
        p.add(ckey.source(), where + ": channel name must be 1-32 of [a-z0-9_-]");
        continue;
      }
      const auto* t = cvalue.as_table();
      if (t == nullptr) {
        p.add(cvalue.source(), where + ": expected a table ([" + where + "]), got " + describe(cvalue));
        continue;
      }
      ChannelRule rule;
      bool ok = true;
      bool has_priority = false;
      for (const auto& [k, v] : *t) {
        const std::string field = where + "." + std::string(k.str());
        if (k.str() == "priority") {
          has_priority = true;
          auto got = integer_in_range(p, v, field, 1);
          if (got) rule.priority = *got; else ok = false;
        } else if (k.str() == "safety_stock") {
          auto got = integer_in_range(p, v, field, 0);
          if (got) rule.safety_stock = *got; else ok = false;
        } else {
          p.add(k.source(), where + ": unknown key \"" + std::string(k.str()) + "\" (known: priority, safety_stock)");
          ok = false;
        }
      }
      if (!has_priority) {
        p.add(t->source(), where + ": missing key \"priority\" (an integer >= 1)");
        ok = false;
      }
      if (ok) policy.channels.emplace(name, rule);
    }
  }
  if (!p.empty()) return make_error("bad_policy", p.joined());
  return policy;
}

Result<ChannelPolicy> load_channel_policy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error("io", path + ": cannot read the channel policy file");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return make_error("io", path + ": cannot read the channel policy file");
  return parse_channel_policy(text.str(), path);
}

}  // namespace scanedge::ledger
