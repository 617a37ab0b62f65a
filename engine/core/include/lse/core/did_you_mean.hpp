#pragma once
/// @file
/// "did you mean ...?" suggestions for misspelt names (options, scenarios, tasks).

#include <string>
#include <string_view>
#include <vector>

namespace lse {

/// The closest candidate within edit distance 2 (or sharing a 3+ character prefix), else "".
std::string ClosestMatch(std::string_view word, const std::vector<std::string>& candidates);

/// " (did you mean 'x'?)" or "" when nothing is close.
std::string DidYouMeanSuffix(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace lse
