#include "sync/ledger/task_publisher.h"

#include <unistd.h>

#include <exception>
#include <memory>

#include <mqtt/async_client.h>
#include <nlohmann/json.hpp>

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
  const std::string topic = sync::tasks_topic(address);
  std::unique_ptr<mqtt::async_client> client;
  try {
    client = std::make_unique<mqtt::async_client>(broker_uri, "scanedge-ledger-publish-" + std::to_string(::getpid()),
                                                  static_cast<mqtt::iclient_persistence*>(nullptr));
  } catch (const std::exception& e) {
    return make_error("bad_uri", "broker URI \"" + broker_uri + "\" is not usable: " + e.what());
  }
  try {
    mqtt::connect_options co;
    co.set_clean_session(true);
    co.set_connect_timeout(std::chrono::duration_cast<std::chrono::seconds>(timeout));
    auto conn = client->connect(co);
    if (!conn->wait_for(timeout)) return make_error("timeout", "no connection to " + broker_uri + " within the timeout");
  } catch (const std::exception& e) {
    return make_error("connect_failed", "cannot connect to " + broker_uri + ": " + e.what());
  }
  Status result;
  try {
    auto tok = client->publish(mqtt::make_message(topic, payload, 1, retained));
    if (!tok->wait_for(timeout)) {
      result = make_error("timeout", "the broker did not confirm the publish on " + topic + " within the timeout");
    }
  } catch (const std::exception& e) {
    result = make_error("publish_failed", "publishing on " + topic + " failed: " + e.what());
  }
  try {
    client->disconnect()->wait_for(std::chrono::seconds(2));
  } catch (const std::exception&) {
    // Already delivered (or already failed): a failed disconnect changes nothing.
  }
  return result;
}

}  // namespace scanedge::ledger
