#include "sync/ledger/task_publisher.h"

#include <exception>

#include <nlohmann/json.hpp>

#include "sync/ledger/oneoff_client.h"

namespace scanedge::ledger {

Result<std::string> validate_task_document(std::string_view text) {
  nlohmann::json doc = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (doc.is_discarded()) return make_error("bad_task", "task document is not valid JSON");
  if (!doc.is_object()) return make_error("bad_task", "task document is not a JSON object");
  const auto id = doc.find("task_id");
  if (id == doc.end()) return make_error("bad_task", "task document has no \"task_id\"");
  if (!id->is_string() || id->get_ref<const std::string&>().empty()) {
    return make_error("bad_task", "task document's \"task_id\" must be a non-empty string");
  }
  const auto version = doc.find("version");
  if (version == doc.end()) return make_error("bad_task", "task document has no \"version\"");
  if (!version->is_number_integer()) return make_error("bad_task", "task document's \"version\" must be an integer");
  try {
    return doc.dump();
  } catch (const std::exception& e) {
    return make_error("bad_task", std::string("task document cannot be serialised: ") + e.what());
  }
}

Status publish_task(const std::string& broker_uri, const sync::DeviceAddress& address, const std::string& payload,
                    bool retained, std::chrono::milliseconds timeout) {
  auto client = OneOffClient::connect(broker_uri, "scanedge-ledger-publish", timeout);
  if (!client) return client.error();
  return (*client)->publish(sync::tasks_topic(address), payload, retained, timeout);
}

}  // namespace scanedge::ledger
