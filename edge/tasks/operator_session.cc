// Operators: badge scans and the operator.login / operator.logout actions.
//
// A badge is data starting with ExecutorOptions::badge_prefix, optionally preceded by an AIM
// symbology identifier ("]C0BADGE:ANA", "]Q1BADGE:ANA": scanners that transmit AIM ids add
// one to every symbol). The rest is the operator id: 1..32 of [A-Za-z0-9._-], else the scan
// is refused "bad_badge". Logging in the operator already logged in changes nothing and
// emits no event; another operator replaces the current one (operator.login with
// "previous") and ends the previous operator's started task. operator.logout clears both.
#include "edge/tasks/executor_impl.h"

namespace scanedge::tasks {

using nlohmann::json;

namespace {

bool valid_operator(const std::string& id) {
  if (id.empty() || id.size() > 32) return false;
  for (char c : id) {
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
          c == '-')) {
      return false;
    }
  }
  return true;
}

}  // namespace

Result<std::string> WorkExecutor::Impl::badge_operator(const std::string& data, bool prefix_required) const {
  std::string rest = data;
  if (rest.size() >= 3 && rest[0] == ']') rest = rest.substr(3);
  const std::string& prefix = ex.options_.badge_prefix;
  if (!prefix.empty() && rest.rfind(prefix, 0) == 0) {
    rest = rest.substr(prefix.size());
  } else if (prefix_required) {
    return make_error("bad_badge", "not a badge (expected data starting with \"" + prefix + "\")");
  }
  if (!valid_operator(rest)) {
    return make_error("bad_badge", "badge operator id \"" + rest + "\" must be 1-32 of [A-Za-z0-9._-]");
  }
  return rest;
}

void WorkExecutor::Impl::login(const std::string& op) {
  d.accepted = true;
  d.reply["operator"] = op;
  if (st.operator_ && *st.operator_ == op) {
    d.reply["previous"] = op;
    return;  // already logged in: nothing changes
  }
  std::optional<std::string> previous = st.operator_;
  st.operator_ = op;
  if (previous) st.active_task_.reset();  // the previous operator's started task ends with the shift
  touch_session();
  json e = envelope("operator.login", ex.clock_.monotonic());
  e["previous"] = previous ? json(*previous) : json(nullptr);
  d.reply["previous"] = e["previous"];
  emit(std::move(e));
}

void WorkExecutor::Impl::logout() {
  d.accepted = true;
  d.reply["operator"] = nullptr;
  if (!st.operator_) {
    d.reply["previous"] = nullptr;
    return;  // nobody logged in: nothing changes
  }
  const std::string previous = *st.operator_;
  st.operator_.reset();
  st.active_task_.reset();
  touch_session();
  json e = envelope("operator.logout", ex.clock_.monotonic());
  e["previous"] = previous;
  d.reply["previous"] = previous;
  emit(std::move(e));
}

}  // namespace scanedge::tasks
