#include "tests/support/usb/umockdev_preload.h"

#include <dlfcn.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace scanedge::usb::testing {

bool umockdev_preload_loaded() {
  // umockdev_in_mock_environment() does not detect an in-process testbed reliably (0.17);
  // ask the dynamic linker whether the preload library is mapped.
  void* h = ::dlopen("libumockdev-preload.so.0", RTLD_NOW | RTLD_NOLOAD);
  if (h == nullptr) return false;
  ::dlclose(h);
  return true;
}

void reexec_under_umockdev_preload(char** argv) {
  constexpr const char* kMarker = "SCANEDGE_USB_TESTBED_CHILD";
  if (umockdev_preload_loaded()) return;
  if (std::getenv(kMarker) != nullptr) {
    std::fprintf(stderr, "%s: re-executed with LD_PRELOAD=%s but umockdev's preload is not active "
                         "(install the Debian package libumockdev0)\n",
                 argv[0], std::getenv("LD_PRELOAD") ? std::getenv("LD_PRELOAD") : "");
    std::exit(2);
  }
  std::string preload = "libumockdev-preload.so.0";
  if (const char* old = std::getenv("LD_PRELOAD"); old != nullptr && *old != '\0') preload += std::string(":") + old;
  std::string asan = "verify_asan_link_order=0";
  if (const char* old = std::getenv("ASAN_OPTIONS"); old != nullptr && *old != '\0') asan = std::string(old) + ":" + asan;
  ::setenv("LD_PRELOAD", preload.c_str(), 1);
  ::setenv("ASAN_OPTIONS", asan.c_str(), 1);
  ::setenv(kMarker, "1", 1);
  ::execv("/proc/self/exe", argv);
  std::fprintf(stderr, "%s: cannot re-execute with the umockdev preload: %s\n", argv[0], std::strerror(errno));
  std::exit(2);
}

}  // namespace scanedge::usb::testing
