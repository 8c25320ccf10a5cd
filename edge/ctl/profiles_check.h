// `scanedgectl profiles check [FILE...]`: validates firmware profiles the way the agent
// loads them. With no FILE, every *.toml in the profiles directory.
// Prints "ok   FILE (driver D: description)" per valid file and every problem of an invalid
// one as `file:line:column: what is wrong` lines, then a summary line
// "N profile(s) checked, M invalid". Returns the exit status: 0 all valid, 1 any invalid or
// unreadable (also when the directory holds no profile).
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace scanedge::ctl {

int profiles_check(const std::vector<std::string>& files, const std::string& dir, std::ostream& out);

}  // namespace scanedge::ctl
