// GS1 mod-10 check digits and GTIN normalisation.
//
// Check digit: weights 3,1,3,... from the rightmost data digit (the one left of the check
// digit); the check digit brings the weighted sum to a multiple of 10. GTIN-8/12/13 are
// GTIN-14 with leading zeros. Pure functions, thread-safe, no allocation except where a
// std::string is returned.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace scanedge::decode {

// True when every byte is '0'..'9' (and the view is not empty).
bool all_digits(std::string_view s);

// The check digit ('0'..'9') that `data_digits` (digits only, without the check digit)
// needs. Precondition: all_digits(data_digits).
char gs1_check_digit(std::string_view data_digits);

// True when the last digit of `digits` is the correct GS1 check digit for the others.
// Precondition: all_digits(digits) and size >= 2.
bool gs1_check_digit_ok(std::string_view digits);

// GTIN-8/12/13/14 (digits, check digit already verified) -> GTIN-14 with leading zeros.
std::string to_gtin14(std::string_view gtin);

// UPC-E (8 digits: number system 0 or 1, 6 digits, check digit) -> UPC-A (12 digits, same
// check digit). nullopt when the number system is not 0/1 or the input is not 8 digits.
// The check digit is not verified here (it applies to the expanded UPC-A).
std::optional<std::string> expand_upce(std::string_view upce);

}  // namespace scanedge::decode
