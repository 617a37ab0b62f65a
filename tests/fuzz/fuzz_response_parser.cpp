// libFuzzer target: lse::http::ResponseParser on arbitrary response bytes.
//
// The bytes come from the network, so the parser must never crash, and its verdict must not depend on
// how TCP happened to split them: the same bytes fed in one piece and in fuzzer-chosen pieces must give
// the same status, status code and keep-alive decision, and (for a complete response) the same captured
// headers and body.

#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "lse/http/response_parser.hpp"
#include "lse/http/result.hpp"

namespace {

using lse::http::ParseStatus;
using lse::http::ResponseParser;
using lse::http::Result;

struct Outcome {
    ParseStatus status = ParseStatus::kNeedMore;
    int code = 0;
    bool keep_alive = false;
    bool saw_any_byte = false;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
};

struct Options {
    bool head_request = false;
    bool capture = false;
    bool finish_eof = false;
    size_t max_header_bytes = ResponseParser::kDefaultMaxHeaderBytes;
};

// Feeds `bytes` cut at `cuts` (increasing offsets), then EOF when asked.
Outcome Parse(const std::string& bytes, const std::vector<size_t>& cuts, const Options& options) {
    ResponseParser parser(options.max_header_bytes);
    Result result;
    parser.Start(&result, options.head_request, options.capture);
    size_t from = 0;
    for (size_t cut : cuts) {
        parser.Feed(bytes.data() + from, cut - from);
        from = cut;
    }
    parser.Feed(bytes.data() + from, bytes.size() - from);
    if (options.finish_eof) parser.FinishEof();

    Outcome out;
    out.status = parser.status();
    out.code = result.status;
    out.keep_alive = parser.status() == ParseStatus::kComplete && parser.KeepAlive();
    out.saw_any_byte = parser.SawAnyByte();
    out.headers = result.headers;
    out.body = result.body;
    // A parser must report a definite status once the peer closed.
    if (options.finish_eof && out.status == ParseStatus::kNeedMore) std::abort();
    if (out.status == ParseStatus::kInvalid && parser.ErrorReason() == nullptr) std::abort();
    return out;
}

// LSE_FUZZ_VERBOSE=1 when replaying a reproducer: shows both outcomes.
void Print(const char* label, const Outcome& o) {
    std::fprintf(stderr, "%s: status=%d code=%d keep_alive=%d saw=%d headers=%zu body=%zu\n", label,
                 static_cast<int>(o.status), o.code, o.keep_alive, o.saw_any_byte, o.headers.size(), o.body.size());
}

// Captured headers and body are compared for complete responses only: on an invalid or truncated one
// llhttp has handed over whatever spans ended at a buffer boundary, which legitimately depends on the
// split (and callers discard the capture of a failed exchange).
bool SameOutcome(const Outcome& a, const Outcome& b) {
    if (a.status != b.status || a.code != b.code || a.keep_alive != b.keep_alive ||
        a.saw_any_byte != b.saw_any_byte) {
        return false;
    }
    return a.status != ParseStatus::kComplete || (a.headers == b.headers && a.body == b.body);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, size_t size) {
    FuzzedDataProvider provider(data, size);
    Options options;
    options.head_request = provider.ConsumeBool();
    options.capture = provider.ConsumeBool();
    options.finish_eof = provider.ConsumeBool();
    // A small limit too, so that "headers too large" is reached at every split position.
    if (provider.ConsumeBool()) options.max_header_bytes = provider.ConsumeIntegralInRange<size_t>(0, 256);
    const size_t cut_count = provider.ConsumeIntegralInRange<size_t>(0, 16);
    std::vector<std::uint16_t> raw_cuts;
    for (size_t i = 0; i < cut_count; ++i) raw_cuts.push_back(provider.ConsumeIntegral<std::uint16_t>());
    const std::string bytes = provider.ConsumeRemainingBytesAsString();

    std::vector<size_t> cuts;
    size_t last = 0;
    for (std::uint16_t raw : raw_cuts) {
        const size_t cut = bytes.empty() ? 0 : raw % (bytes.size() + 1);
        if (cut < last) continue;  // keep the cuts increasing (repeated cuts feed empty pieces)
        cuts.push_back(cut);
        last = cut;
    }

    const Outcome whole = Parse(bytes, {}, options);
    const Outcome split = Parse(bytes, cuts, options);
    if (std::getenv("LSE_FUZZ_VERBOSE") != nullptr) {
        std::fprintf(stderr, "head=%d capture=%d eof=%d max_header_bytes=%zu cuts=%zu bytes=%zu\n",
                     options.head_request, options.capture, options.finish_eof, options.max_header_bytes, cuts.size(),
                     bytes.size());
        for (size_t cut : cuts) std::fprintf(stderr, "  cut %zu\n", cut);
        Print("whole", whole);
        Print("split", split);
    }
    if (!SameOutcome(whole, split)) std::abort();
    // Without capture nothing is copied: headers and body stay empty (the hot path does not allocate).
    if (!options.capture && (!whole.headers.empty() || !whole.body.empty())) std::abort();
    return 0;
}
