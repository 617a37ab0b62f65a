#include "lse/metrics/wire.hpp"

namespace lse::metrics::wire {

void AppendHeader(std::string* out, char tag, std::uint8_t version) {
    out->push_back(tag);
    out->push_back(static_cast<char>(version));
}

bool ReadHeader(std::string_view* in, char tag, std::uint8_t version, std::string_view what, std::string* error) {
    if (in->size() < 2) return Fail(error, what, "truncated header");
    if ((*in)[0] != tag) return Fail(error, what, "bad magic byte");
    if (static_cast<std::uint8_t>((*in)[1]) != version) return Fail(error, what, "unsupported version");
    in->remove_prefix(2);
    return true;
}

bool Fail(std::string* error, std::string_view what, std::string_view reason) {
    if (error != nullptr) {
        error->assign(what);
        error->append(": ");
        error->append(reason);
    }
    return false;
}

}  // namespace lse::metrics::wire
