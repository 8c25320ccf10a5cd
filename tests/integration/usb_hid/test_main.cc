// main() for the emulated-USB test binaries: re-execute under libumockdev-preload first.
#include <gtest/gtest.h>

#include "tests/support/usb/umockdev_preload.h"

int main(int argc, char** argv) {
  scanedge::usb::testing::reexec_under_umockdev_preload(argv);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
