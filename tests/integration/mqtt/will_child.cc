// Helper process for the will test: connects a PahoTransport with a will, prints
// "connected" on stdout once the connection is up, then waits to be killed.
// Usage: mqtt_will_child URI CLIENT_ID WILL_TOPIC WILL_PAYLOAD [WILL_DELAY_S]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "sync/mqtt/paho_transport.h"

int main(int argc, char** argv) {
  if (argc != 5 && argc != 6) {
    std::fprintf(stderr, "usage: %s URI CLIENT_ID WILL_TOPIC WILL_PAYLOAD [WILL_DELAY_S]\n", argv[0]);
    return 2;
  }
  scanedge::sync::MqttOptions o;
  o.uri = argv[1];
  o.client_id = argv[2];
  o.will = scanedge::Message{argv[3], argv[4]};
  o.keepalive = std::chrono::seconds(5);
  if (argc == 6) o.will_delay = std::chrono::seconds(std::atoi(argv[5]));
  scanedge::sync::PahoTransport t(o);
  t.on_connection([](bool up) {
    if (up) {
      std::puts("connected");
      std::fflush(stdout);
    }
  });
  if (auto s = t.start(); !s) {
    std::fprintf(stderr, "start: %s\n", s.error().message.c_str());
    return 1;
  }
  for (int i = 0; i < 600; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  return 0;
}
