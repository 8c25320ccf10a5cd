// Running a test binary under umockdev: the in-process testbed (UsbTestbed) only emulates
// anything when libumockdev-preload.so.0 is in LD_PRELOAD from process start.
//
// Call reexec_under_umockdev_preload(argv) first thing in main(): when the preload is not
// active it re-executes /proc/self/exe with LD_PRELOAD=libumockdev-preload.so.0[:old] (and
// ASAN_OPTIONS=verify_asan_link_order=0 for sanitizer builds) and never returns; when it is
// active it returns and the tests run. A marker variable prevents a loop: if the preload is
// still not active after the re-exec, it prints why and exits 2. Works the same from ctest,
// gtest_discover_tests or a shell.
#pragma once

namespace scanedge::usb::testing {

void reexec_under_umockdev_preload(char** argv);
// True when libumockdev-preload.so.0 is loaded in this process.
bool umockdev_preload_loaded();

}  // namespace scanedge::usb::testing
