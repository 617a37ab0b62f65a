#include "lse/runtime/status_set.hpp"

#include <charconv>
#include <string>

#include "lse/core/errors.hpp"

namespace lse::runtime {
namespace {

int ParseStatus(std::string_view s, std::string_view whole, std::string_view what) {
    int v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || v < 100 || v > 599) {
        throw UsageError(std::string(what) + ": '" + std::string(s) + "' in '" + std::string(whole) +
                         "' is not an HTTP status (100-599), a range like 200-299, or a class like 2xx");
    }
    return v;
}

}  // namespace

StatusSet StatusSet::SuccessAndRedirects() {
    StatusSet s;
    for (int i = 200; i < 400; ++i) s.Add(i);
    return s;
}

StatusSet StatusSet::Parse(std::string_view text, std::string_view what) {
    StatusSet set;
    if (text.empty()) throw UsageError(std::string(what) + ": empty status list");
    size_t start = 0;
    while (start <= text.size()) {
        size_t comma = text.find(',', start);
        if (comma == std::string_view::npos) comma = text.size();
        std::string_view item = text.substr(start, comma - start);
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
        if (item.size() == 3 && item[0] >= '1' && item[0] <= '5' && (item[1] == 'x' || item[1] == 'X') &&
            (item[2] == 'x' || item[2] == 'X')) {
            const int base = (item[0] - '0') * 100;
            for (int i = base; i < base + 100; ++i) set.Add(i);
        } else if (size_t dash = item.find('-'); dash != std::string_view::npos) {
            const int lo = ParseStatus(item.substr(0, dash), text, what);
            const int hi = ParseStatus(item.substr(dash + 1), text, what);
            if (lo > hi) throw UsageError(std::string(what) + ": empty range '" + std::string(item) + "'");
            for (int i = lo; i <= hi; ++i) set.Add(i);
        } else {
            set.Add(ParseStatus(item, text, what));
        }
        start = comma + 1;
    }
    return set;
}

}  // namespace lse::runtime
