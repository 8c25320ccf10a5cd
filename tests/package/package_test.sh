#!/bin/bash
# package_deb: the Debian package built from a build dir is what a device needs, and
# lintian finds no error in it.
#
#   package_test.sh BUILD_DIR SOURCE_DIR
#
# Builds the .deb with cpack from BUILD_DIR's CPackConfig.cmake into a temp dir (the build
# dir is not written), then checks with dpkg-deb: control fields (Depends from
# dpkg-shlibdeps, conffiles, maintainer scripts), where every file goes, stripped binaries;
# unpacks it (dpkg -x) and runs the packaged scanedged and scanedgectl on the packaged config
# and profiles; every unit's ExecStart names a packaged binary; runs lintian (every tag
# printed; any E: fails). Exit 0 when all hold; each failure is printed as "FAIL: what".
set -u
build=${1:?usage: package_test.sh BUILD_DIR SOURCE_DIR}
src=${2:?usage: package_test.sh BUILD_DIR SOURCE_DIR}
build=$(cd "$build" && pwd)
src=$(cd "$src" && pwd)

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }

for tool in cpack dpkg-deb dpkg-shlibdeps lintian readelf; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed (make deps)"; exit 1; }
done
[ -f "$build/CPackConfig.cmake" ] || { echo "FAIL: $build/CPackConfig.cmake missing (configure first)"; exit 1; }

work=$(mktemp -d /tmp/scanedge-package-test.XXXXXX)
trap 'rm -rf "$work"' EXIT

# --- build the package -------------------------------------------------------------------
SECONDS=0
if ! cpack --config "$build/CPackConfig.cmake" -G DEB -B "$work/out" >"$work/cpack.log" 2>&1; then
  cat "$work/cpack.log"
  echo "FAIL: cpack failed (are the installed targets built? cmake --build $build)"
  exit 1
fi
shopt -s nullglob
debs=("$work"/out/*.deb)
[ ${#debs[@]} -eq 1 ] || { cat "$work/cpack.log"; echo "FAIL: expected one .deb, got: ${debs[*]:-none}"; exit 1; }
deb=${debs[0]}
echo "built $(basename "$deb") ($(stat -c %s "$deb") bytes) in ${SECONDS} s"

# --- control fields ----------------------------------------------------------------------
dpkg-deb -I "$deb" | sed 's/^/  /'
field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = scanedge ] && pass "Package: scanedge" || fail "Package is '$(field Package)', not scanedge"
version=$(sed -n '1s/^scanedge (\([^)]*\)).*/\1/p' "$src/systemd/debian/changelog")
[ "$(field Version)" = "$version" ] && pass "Version $version (systemd/debian/changelog)" ||
  fail "Version is '$(field Version)', the changelog says '$version'"
[ "$(field Architecture)" = "$(dpkg --print-architecture)" ] && pass "Architecture $(field Architecture)" ||
  fail "Architecture is '$(field Architecture)', this machine is $(dpkg --print-architecture)"
depends=$(field Depends)
echo "Depends: $depends"
# dpkg-shlibdeps: a versioned libc6 and the libraries the binaries link (not hand-written;
# some libraries' shlibs carry no version).
echo "$depends" | grep -Eq '(^|, )libc6 \(>= [^)]+\)' && pass "Depends: versioned libc6 (dpkg-shlibdeps)" ||
  fail "Depends lacks a versioned libc6: '$depends'"
deplist=",$(echo "$depends" | sed -e 's/ *([^)]*)//g' -e 's/ //g'),"
for lib in libstdc++6 libsqlite3-0 libsystemd0 libzmq5 libpaho-mqttpp3-1 libusb-1.0-0 libserialport0 libpq5; do
  case "$deplist" in *",$lib,"*) pass "Depends: $lib" ;; *) fail "Depends lacks $lib: '$depends'" ;; esac
done
echo "$depends" | grep -Eq '(^|, )systemd(,|$)' && pass "Depends: systemd" || fail "Depends lacks systemd: '$depends'"
[ -n "$(field Maintainer)" ] && pass "Maintainer: $(field Maintainer)" || fail "no Maintainer"
[ -n "$(field Installed-Size)" ] && pass "Installed-Size: $(field Installed-Size) KiB" || fail "no Installed-Size"

mkdir -p "$work/control"
dpkg-deb -e "$deb" "$work/control"
if [ "$(cat "$work/control/conffiles" 2>/dev/null)" = /etc/scanedge/scanedged.toml ]; then
  pass "conffiles: /etc/scanedge/scanedged.toml"
else
  fail "conffiles is '$(cat "$work/control/conffiles" 2>/dev/null)', not /etc/scanedge/scanedged.toml"
fi
for script in postinst prerm postrm; do
  f="$work/control/$script"
  if [ ! -f "$f" ]; then fail "no $script"; continue; fi
  [ "$(stat -c %a "$f")" = 755 ] || fail "$script has mode $(stat -c %a "$f"), not 755"
  sh -n "$f" || fail "$script: shell syntax error"
  cmp -s "$f" "$src/systemd/debian/$script" || fail "$script differs from systemd/debian/$script"
  pass "$script (mode 755, sh -n, as in systemd/debian)"
done
grep -q 'systemd-sysusers.* scanedge.conf' "$work/control/postinst" || fail "postinst does not run systemd-sysusers scanedge.conf"
grep -q 'systemd-tmpfiles --create scanedge.conf' "$work/control/postinst" || fail "postinst does not run systemd-tmpfiles --create"
grep -q "deb-systemd-helper enable 'scanedged.service'" "$work/control/postinst" || fail "postinst does not enable scanedged.service"

# --- contents -------------------------------------------------------------------------------
dpkg-deb -c "$deb" >"$work/contents"
sed 's/^/  /' "$work/contents"
has() {  # has MODE PATH: the package holds PATH (regular file) with that mode
  if grep -Eq "^$1 root/root +[0-9]+ [0-9-]+ [0-9:]+ \.$2\$" "$work/contents"; then pass "$2 ($1)"
  else fail "$2 missing or not a regular file with mode $1 owned by root: $(grep -F " .$2" "$work/contents" || echo absent)"; fi
}
has -rwxr-xr-x /usr/sbin/scanedged
has -rwxr-xr-x /usr/bin/scanedgectl
has -rwxr-xr-x /usr/bin/scanedge-ledger
has -rw-r--r-- /lib/systemd/system/scanedged.service
has -rw-r--r-- /lib/systemd/system/scanedge-ledger.service
has -rw-r--r-- /lib/udev/rules.d/60-scanedge.rules
has -rw-r--r-- /usr/lib/sysusers.d/scanedge.conf
has -rw-r--r-- /usr/lib/tmpfiles.d/scanedge.conf
has -rw-r--r-- /etc/scanedge/scanedged.toml
has -rw-r--r-- /usr/share/doc/scanedge/copyright
has -rw-r--r-- /usr/share/doc/scanedge/changelog.Debian.gz
has -rw-r--r-- /usr/share/doc/scanedge/README.md
for p in "$src"/firmware-profiles/*.toml; do
  has -rw-r--r-- "/usr/share/scanedge/firmware-profiles/$(basename "$p")"
done
# Nothing from the build machine's prefix or the build tree.
if grep -Eq ' \./usr/local/|/build/|\.a$|\.h$' "$work/contents"; then
  fail "unexpected files: $(grep -E ' \./usr/local/|/build/|\.a$|\.h$' "$work/contents" | tr '\n' ' ')"
fi

# --- unpacked: the files are the sources', the binaries are stripped and run ------------
root="$work/root"
dpkg -x "$deb" "$root"
cmp -s "$root/etc/scanedge/scanedged.toml" "$src/edge/config/scanedged.toml" &&
  pass "/etc/scanedge/scanedged.toml is edge/config/scanedged.toml" || fail "packaged config differs from edge/config/scanedged.toml"
for f in scanedged.service scanedge-ledger.service 60-scanedge.rules; do
  got=$(find "$root" -name "$f" -type f | head -1)
  cmp -s "$got" "$src/systemd/$f" || fail "packaged $f differs from systemd/$f"
done
cmp -s "$root/usr/lib/sysusers.d/scanedge.conf" "$src/systemd/scanedge.sysusers" || fail "sysusers file differs from systemd/scanedge.sysusers"
cmp -s "$root/usr/lib/tmpfiles.d/scanedge.conf" "$src/systemd/scanedge.tmpfiles" || fail "tmpfiles file differs from systemd/scanedge.tmpfiles"
for p in "$src"/firmware-profiles/*.toml; do
  cmp -s "$p" "$root/usr/share/scanedge/firmware-profiles/$(basename "$p")" || fail "profile $(basename "$p") differs"
done
zcat "$root/usr/share/doc/scanedge/changelog.Debian.gz" | cmp -s - "$src/systemd/debian/changelog" ||
  fail "changelog.Debian.gz is not systemd/debian/changelog"
grep -q '^License: Expat' "$root/usr/share/doc/scanedge/copyright" && grep -q 'Permission is hereby granted' "$root/usr/share/doc/scanedge/copyright" &&
  pass "copyright: Expat, with the LICENSE text" || fail "copyright file lacks the license"

for b in usr/sbin/scanedged usr/bin/scanedgectl usr/bin/scanedge-ledger; do
  if readelf -S "$root/$b" | grep -Eq '\.(symtab|debug_info)\b'; then fail "$b is not stripped"
  else pass "$b stripped ($(stat -c %s "$root/$b") bytes)"; fi
done

# Every unit starts a binary the package ships.
for unit in scanedged.service scanedge-ledger.service; do
  exe=$(sed -n 's/^ExecStart=[-@+!]*\([^ ]*\).*/\1/p' "$root/lib/systemd/system/$unit" | head -1)
  [ -n "$exe" ] && [ -x "$root$exe" ] && pass "$unit ExecStart $exe is in the package" ||
    fail "$unit ExecStart '$exe' is not a packaged executable"
done

# The shipped config, as shipped: refused, naming what provisioning must set.
cfg="$root/etc/scanedge/scanedged.toml"
out=$("$root/usr/sbin/scanedged" --check-config -c "$cfg" 2>&1); rc=$?
if [ $rc -eq 2 ] && echo "$out" | grep -q "device.site is required"; then pass "shipped config unprovisioned: exit 2, '$out'"
else fail "scanedged --check-config on the shipped config: exit $rc, '$out' (want 2 naming device.site)"; fi
# Provisioned (site and id set), with the packaged binary: accepted.
sed -e 's/^#site = .*/site = "store-042"/' -e 's/^#id = .*/id = "hh-0007"/' "$cfg" >"$work/provisioned.toml"
out=$("$root/usr/sbin/scanedged" --check-config -c "$work/provisioned.toml" 2>&1); rc=$?
[ $rc -eq 0 ] && pass "provisioned config: $out" || fail "provisioned config refused: exit $rc, '$out'"
# The packaged profiles, checked by the packaged scanedgectl from the profiles.dir of that
# config with the root prefixed.
out=$("$root/usr/bin/scanedgectl" --profiles "$root/usr/share/scanedge/firmware-profiles" profiles check 2>&1); rc=$?
[ $rc -eq 0 ] && pass "scanedgectl profiles check on the packaged profiles" || fail "profiles check: exit $rc: $out"
"$root/usr/bin/scanedge-ledger" --help >/dev/null 2>&1 && pass "scanedge-ledger --help runs" || fail "packaged scanedge-ledger --help fails"

# --- lintian ---------------------------------------------------------------------------------
# As root lintian warns that it runs as root; that line is not a tag.
lintian --display-info --tag-display-limit 0 "$deb" >"$work/lintian.log" 2>&1
echo "lintian $(lintian --version | awk '{print $2}'):"
sed 's/^/  /' "$work/lintian.log"
errors=$(grep -c '^E: ' "$work/lintian.log")
warnings=$(grep -c '^W: ' "$work/lintian.log")
if [ "$errors" -eq 0 ]; then pass "lintian: 0 errors, $warnings warnings"
else fail "lintian: $errors errors (E: above), $warnings warnings"; fi

if [ $failures -ne 0 ]; then
  echo "package_deb: $failures failures"
  exit 1
fi
echo "package_deb: all checks passed"
