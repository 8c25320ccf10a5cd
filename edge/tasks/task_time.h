// Dates and times in task documents: RFC 3339 UTC instants (window_end, finished_at) and
// ISO calendar dates (min_expiry, scanned expiry). Pure functions, thread-safe, never throw.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace scanedge::tasks {

// "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+00:00|-00:00)" (also 't'/'z', and ' ' for 'T') -> the
// instant; nullopt for anything else, including non-UTC offsets and impossible dates.
std::optional<std::chrono::system_clock::time_point> parse_utc_time(const std::string& s);

// True for a real calendar date written "YYYY-MM-DD".
bool valid_iso_date(const std::string& s);

// The UTC calendar date of an instant, "YYYY-MM-DD".
std::string utc_date(std::chrono::system_clock::time_point t);

}  // namespace scanedge::tasks
