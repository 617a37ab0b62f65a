#include "lse/core/did_you_mean.hpp"

#include <algorithm>
#include <cctype>

namespace lse {
namespace {

size_t EditDistance(std::string_view a, std::string_view b) {
    std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        cur[0] = i;
        for (size_t j = 1; j <= b.size(); ++j) {
            const bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                              std::tolower(static_cast<unsigned char>(b[j - 1]));
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (same ? 0 : 1)});
        }
        std::swap(prev, cur);
    }
    return prev[b.size()];
}

}  // namespace

std::string ClosestMatch(std::string_view word, const std::vector<std::string>& candidates) {
    std::string best;
    size_t best_distance = 3;
    for (const std::string& c : candidates) {
        const size_t d = EditDistance(word, c);
        if (d < best_distance) {
            best_distance = d;
            best = c;
        }
    }
    if (!best.empty()) return best;
    if (word.size() >= 3) {
        for (const std::string& c : candidates) {
            if (c.size() >= 3 && (c.rfind(word.substr(0, 3), 0) == 0)) return c;
        }
    }
    return "";
}

std::string DidYouMeanSuffix(std::string_view word, const std::vector<std::string>& candidates) {
    const std::string m = ClosestMatch(word, candidates);
    return m.empty() ? "" : " (did you mean '" + m + "'?)";
}

}  // namespace lse
