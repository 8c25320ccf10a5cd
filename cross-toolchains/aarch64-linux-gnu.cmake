# CMake toolchain file: 64-bit ARM Linux (Debian arm64) with Debian 12's
# g++-aarch64-linux-gnu; programs run under qemu-aarch64 (qemu-user). See debian-cross.cmake
# for where the target's libraries come from (multiarch, or CMAKE_SYSROOT).
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(SCANEDGE_CROSS_TRIPLE aarch64-linux-gnu)
set(SCANEDGE_CROSS_QEMU qemu-aarch64)
include(${CMAKE_CURRENT_LIST_DIR}/debian-cross.cmake)
