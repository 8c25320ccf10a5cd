# Shared part of the Debian cross toolchain files (aarch64-linux-gnu.cmake,
# arm-linux-gnueabihf.cmake): Debian 12's cross compilers (g++-<triple>) and the target's
# libraries from one of two places.
#
# Contract: the including file sets SCANEDGE_CROSS_TRIPLE (GNU triple, also the Debian multiarch
# directory name), CMAKE_SYSTEM_PROCESSOR and SCANEDGE_CROSS_QEMU (the qemu-user binary that runs
# the target's programs). Then, where the target's -dev packages come from:
#  - multiarch (default): installed with `apt-get install pkg:<arch>` next to the host's own,
#    libraries in /usr/lib/<triple>, headers in /usr/include (+ /usr/include/<triple>). Debian's
#    cross gcc searches those directories itself; CMake finds packages there through
#    CMAKE_LIBRARY_ARCHITECTURE; nothing is searched in the host's /usr/lib/x86_64-linux-gnu.
#  - sysroot: CMAKE_SYSROOT set (on the command line or in the preset) to a directory holding the
#    target's .debs unpacked with `dpkg -x` (cross-toolchains/make-sysroot.sh); used where the
#    target's packages cannot be installed beside the host's ones.
# Tests run through CMAKE_CROSSCOMPILING_EMULATOR: qemu-user, with -L pointing at the directory
# that holds the target's dynamic loader and libraries.
if(NOT SCANEDGE_CROSS_TRIPLE OR NOT SCANEDGE_CROSS_QEMU)
  message(FATAL_ERROR "debian-cross.cmake: include it from a cross toolchain file that sets "
                      "SCANEDGE_CROSS_TRIPLE and SCANEDGE_CROSS_QEMU")
endif()

set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_C_COMPILER ${SCANEDGE_CROSS_TRIPLE}-gcc)
set(CMAKE_CXX_COMPILER ${SCANEDGE_CROSS_TRIPLE}-g++)
set(CMAKE_LIBRARY_ARCHITECTURE ${SCANEDGE_CROSS_TRIPLE})

find_program(_scanedge_cross_cxx ${CMAKE_CXX_COMPILER})
if(NOT _scanedge_cross_cxx)
  message(FATAL_ERROR "${CMAKE_CXX_COMPILER} not found: install Debian's g++-${SCANEDGE_CROSS_TRIPLE} "
                      "(make cross-deps does it)")
endif()
find_program(_scanedge_cross_qemu ${SCANEDGE_CROSS_QEMU})

# Programs (pkg-config, ...) are the host's; libraries, headers and packages the target's.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
if(CMAKE_SYSROOT)
  set(CMAKE_FIND_ROOT_PATH ${CMAKE_SYSROOT})
  set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
  set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
  set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
  set(ENV{PKG_CONFIG_SYSROOT_DIR} ${CMAKE_SYSROOT})
  set(ENV{PKG_CONFIG_LIBDIR}
      "${CMAKE_SYSROOT}/usr/lib/${SCANEDGE_CROSS_TRIPLE}/pkgconfig:${CMAKE_SYSROOT}/usr/share/pkgconfig")
  # The sysroot has the target's loader (lib/ld-linux-*.so.*) and libraries under /lib, /usr/lib.
  set(_scanedge_cross_libroot ${CMAKE_SYSROOT})
else()
  set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/${SCANEDGE_CROSS_TRIPLE}/pkgconfig:/usr/share/pkgconfig")
  # Multiarch: libc6:<arch> puts the loader in /lib and the libraries in /lib/<triple>, so qemu
  # needs no prefix; /usr/<triple> (the cross compiler's own libc and libstdc++) is the fallback
  # for programs that link nothing from multiarch.
  if(EXISTS /usr/lib/${SCANEDGE_CROSS_TRIPLE}/libc.so.6 OR EXISTS /lib/${SCANEDGE_CROSS_TRIPLE}/libc.so.6)
    set(_scanedge_cross_libroot "")
  else()
    set(_scanedge_cross_libroot /usr/${SCANEDGE_CROSS_TRIPLE})
  endif()
endif()
set(ENV{PKG_CONFIG_PATH} "")

if(_scanedge_cross_qemu)
  if(_scanedge_cross_libroot)
    set(CMAKE_CROSSCOMPILING_EMULATOR ${_scanedge_cross_qemu} -L ${_scanedge_cross_libroot})
  else()
    set(CMAKE_CROSSCOMPILING_EMULATOR ${_scanedge_cross_qemu})
  endif()
else()
  message(WARNING "${SCANEDGE_CROSS_QEMU} not found (Debian: qemu-user): the target's programs "
                  "cannot run here, so tests cannot be listed or run")
endif()
