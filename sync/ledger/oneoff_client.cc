#include "sync/ledger/oneoff_client.h"

#include <unistd.h>

#include <exception>

#include <mqtt/async_client.h>

namespace scanedge::ledger {

Result<std::unique_ptr<OneOffClient>> OneOffClient::connect(const std::string& broker_uri, const std::string& prefix,
                                                            std::chrono::milliseconds timeout, OnMessage on_message) {
  std::unique_ptr<OneOffClient> c(new OneOffClient());
  try {
    c->client_ = std::make_unique<mqtt::async_client>(broker_uri, prefix + "-" + std::to_string(::getpid()),
                                                      static_cast<mqtt::iclient_persistence*>(nullptr));
  } catch (const std::exception& e) {
    return make_error("bad_uri", "broker URI \"" + broker_uri + "\" is not usable: " + e.what());
  }
  if (on_message) {
    c->client_->set_message_callback([cb = std::move(on_message)](mqtt::const_message_ptr m) {
      if (m) cb(m->get_topic(), m->get_payload_str());
    });
  }
  try {
    mqtt::connect_options co;
    co.set_clean_session(true);
    co.set_connect_timeout(std::chrono::duration_cast<std::chrono::seconds>(timeout));
    auto conn = c->client_->connect(co);
    if (!conn->wait_for(timeout)) return make_error("timeout", "no connection to " + broker_uri + " within the timeout");
  } catch (const std::exception& e) {
    return make_error("connect_failed", "cannot connect to " + broker_uri + ": " + e.what());
  }
  return c;
}

OneOffClient::~OneOffClient() {
  if (!client_) return;
  try {
    if (client_->is_connected()) client_->disconnect()->wait_for(std::chrono::seconds(2));
  } catch (const std::exception&) {
    // Already delivered (or already failed): a failed disconnect changes nothing.
  }
}

Status OneOffClient::subscribe(const std::string& topic, std::chrono::milliseconds timeout) {
  try {
    if (!client_->subscribe(topic, 1)->wait_for(timeout)) {
      return make_error("timeout", "the broker did not confirm the subscription to " + topic + " within the timeout");
    }
  } catch (const std::exception& e) {
    return make_error("subscribe_failed", "subscribing to " + topic + " failed: " + e.what());
  }
  return {};
}

Status OneOffClient::publish(const std::string& topic, const std::string& payload, bool retained,
                             std::chrono::milliseconds timeout) {
  try {
    if (!client_->publish(mqtt::make_message(topic, payload, 1, retained))->wait_for(timeout)) {
      return make_error("timeout", "the broker did not confirm the publish on " + topic + " within the timeout");
    }
  } catch (const std::exception& e) {
    return make_error("publish_failed", "publishing on " + topic + " failed: " + e.what());
  }
  return {};
}

}  // namespace scanedge::ledger
