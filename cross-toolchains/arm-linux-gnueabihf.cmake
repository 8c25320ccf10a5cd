# CMake toolchain file: 32-bit ARM Linux, hard-float ABI (Debian armhf: ARMv7-A, VFPv3-D16,
# Thumb-2) with Debian 12's g++-arm-linux-gnueabihf; programs run under qemu-arm (qemu-user).
# See debian-cross.cmake for where the target's libraries come from (multiarch, or
# CMAKE_SYSROOT).
set(CMAKE_SYSTEM_PROCESSOR armv7l)
set(SCANEDGE_CROSS_TRIPLE arm-linux-gnueabihf)
set(SCANEDGE_CROSS_QEMU qemu-arm)
include(${CMAKE_CURRENT_LIST_DIR}/debian-cross.cmake)
# g++ notes at every std::vector/std::map iterator passed by value that its parameter passing
# changed in GCC 7.1 (-Wpsabi); everything here is built by one compiler, so the note is noise.
set(CMAKE_CXX_FLAGS_INIT "-Wno-psabi")
