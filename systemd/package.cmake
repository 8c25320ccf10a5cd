# The Debian package "scanedge" (CPack DEB): `make package`, or `cpack -G DEB` in a build dir.
#
# Contents: the install() rules of the tree (scanedged in /usr/sbin, scanedgectl and
# scanedge-ledger in /usr/bin, systemd/CMakeLists.txt: units, udev rules, sysusers.d and
# tmpfiles.d) plus, from here: the firmware profiles (/usr/share/scanedge/firmware-profiles,
# the agent's default profiles.dir), the commented default config (conffile
# /etc/scanedge/scanedged.toml) and /usr/share/doc/scanedge (README.md, copyright from
# LICENSE, changelog.Debian.gz). Maintainer scripts: systemd/debian/{postinst,prerm,postrm}.
#
# The package version and maintainer come from the top entry of systemd/debian/changelog,
# whose upstream version must be the project's VERSION (configure fails otherwise).
# Binaries are stripped; Depends is computed by dpkg-shlibdeps (dpkg-dev), plus systemd (the
# maintainer scripts run systemd-sysusers and systemd-tmpfiles). Checked by
# tests/package (dpkg-deb, lintian).

set(_deb_dir ${CMAKE_CURRENT_LIST_DIR}/debian)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${_deb_dir}/changelog ${PROJECT_SOURCE_DIR}/LICENSE)

# --- version and maintainer: the changelog's top entry --------------------------------------
file(STRINGS ${_deb_dir}/changelog _changelog_lines)
list(GET _changelog_lines 0 _changelog_head)
if(NOT _changelog_head MATCHES "^scanedge \\(([^)-]+)-([^)]+)\\) ")
  message(FATAL_ERROR "systemd/debian/changelog: first line \"${_changelog_head}\" is not "
                      "\"scanedge (VERSION-REVISION) DIST; urgency=...\"")
endif()
set(_deb_upstream ${CMAKE_MATCH_1})
set(_deb_revision ${CMAKE_MATCH_2})
if(NOT _deb_upstream STREQUAL PROJECT_VERSION)
  message(FATAL_ERROR "systemd/debian/changelog: the top entry is version ${_deb_upstream} but the project "
                      "is ${PROJECT_VERSION} (CMakeLists.txt): add a changelog entry "
                      "\"scanedge (${PROJECT_VERSION}-1)\"")
endif()
set(_deb_maintainer "")
foreach(_line IN LISTS _changelog_lines)
  if(_line MATCHES "^ -- (.+ <[^>]+>)  ")
    set(_deb_maintainer ${CMAKE_MATCH_1})
    break()
  endif()
endforeach()
if(_deb_maintainer STREQUAL "")
  message(FATAL_ERROR "systemd/debian/changelog: no trailer line \" -- NAME <EMAIL>  DATE\" in the top entry")
endif()

# --- /usr/share/doc/scanedge --------------------------------------------------------------
# copyright: machine-readable (DEP-5), the license text from LICENSE.
file(READ ${PROJECT_SOURCE_DIR}/LICENSE _license)
if(NOT _license MATCHES "Copyright \\(c\\) ([^\n]+)\n")
  message(FATAL_ERROR "LICENSE: no \"Copyright (c) YEAR HOLDER\" line for the package's copyright file")
endif()
set(_copyright_holder ${CMAKE_MATCH_1})
string(FIND "${_license}" "\n" _first_newline)  # drop the first line, "MIT License"
math(EXPR _first_newline "${_first_newline} + 1")
string(SUBSTRING "${_license}" ${_first_newline} -1 _license_body)
string(STRIP "${_license_body}" _license_body)
string(REGEX REPLACE "\n\n+" "\n.\n" _license_body "${_license_body}")
string(REGEX REPLACE "\n" "\n " _license_body "${_license_body}")
set(_package_build_dir ${PROJECT_BINARY_DIR}/package)
file(WRITE ${_package_build_dir}/copyright
     "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n"
     "Upstream-Name: scanedge\n\n"
     "Files: *\n"
     "Copyright: ${_copyright_holder}\n"
     "License: Expat\n"
     " ${_license_body}\n")
# changelog.Debian.gz: gzip -9n (no name, no time stamp: the same bytes every build).
find_program(SCANEDGE_GZIP gzip REQUIRED)
execute_process(COMMAND ${SCANEDGE_GZIP} -9nc ${_deb_dir}/changelog OUTPUT_FILE ${_package_build_dir}/changelog.Debian.gz
                RESULT_VARIABLE _gzip_rc)
if(NOT _gzip_rc EQUAL 0)
  message(FATAL_ERROR "gzip of systemd/debian/changelog failed: ${_gzip_rc}")
endif()
install(FILES ${_package_build_dir}/copyright ${_package_build_dir}/changelog.Debian.gz ${PROJECT_SOURCE_DIR}/README.md
        DESTINATION share/doc/scanedge)
install(FILES ${PROJECT_SOURCE_DIR}/firmware-profiles/README.md DESTINATION share/doc/scanedge
        RENAME firmware-profiles.md)

# --- data and configuration ----------------------------------------------------------------
install(DIRECTORY ${SCANEDGE_PROFILES_SOURCE_DIR}/ DESTINATION share/scanedge/firmware-profiles
        FILES_MATCHING PATTERN "*.toml")
# A dpkg conffile (systemd/debian/conffiles): upgrades keep local edits.
install(FILES ${PROJECT_SOURCE_DIR}/edge/config/scanedged.toml DESTINATION /etc/scanedge)

# --- CPack ---------------------------------------------------------------------------------
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME scanedge)
set(CPACK_PACKAGE_VENDOR "The scanedge authors")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
# The synopsis (lintian: it must not start with the package name).
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "scanner edge runtime for omnichannel fulfillment")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_NAME scanedge)
set(CPACK_DEBIAN_PACKAGE_RELEASE ${_deb_revision})
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # scanedge_VERSION-REVISION_ARCH.deb
set(CPACK_DEBIAN_PACKAGE_MAINTAINER ${_deb_maintainer})
set(CPACK_DEBIAN_PACKAGE_SECTION misc)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "scanedged reads barcode and RFID scanners (USB HID, serial, Zebra SSI, Mercury
RFID), decodes GS1, AIM and EPC data, confirms pick, pack, receive, return,
pickup and ship-from-store events against the device's tasks, keeps every
confirmed event in a durable on-device outbox (SQLite) and syncs it over MQTT
to the central ledger exactly once in effect.
.
This package contains the agent (scanedged.service, system user scanedge),
scanedgectl (status, tasks, devices, profiles, live watch), the reference
ledger scanedge-ledger (service not enabled by default), udev rules for the
shipped scanner profiles and a commented default configuration.")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "systemd")  # merged with the shlibdeps result
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${_deb_dir}/conffiles ${_deb_dir}/postinst ${_deb_dir}/prerm ${_deb_dir}/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)  # 0755 scripts, 0644 conffiles
# Cross builds (cross-toolchains/): the package's architecture is the target's.
if(CMAKE_CROSSCOMPILING)
  if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64)$")
    set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE arm64)
  elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^arm")
    set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE armhf)
  endif()
endif()
include(CPack)
