#include "lse/plan/template_expand.hpp"

#include <charconv>

#include "lse/http/percent_encode.hpp"

namespace lse::plan {
namespace {

template <typename Int>
void AppendInt(Int v, std::string* out) noexcept {
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    out->append(buf, static_cast<size_t>(r.ptr - buf));
}

// Unbiased draw in [0, span] (span may be 2^64 - 1) by rejection.
std::uint64_t UniformUpTo(std::mt19937_64& rng, std::uint64_t span) noexcept {
    if (span == UINT64_MAX) return rng();
    const std::uint64_t range = span + 1;
    const std::uint64_t limit = UINT64_MAX - (UINT64_MAX % range + 1) % range;  // largest multiple - 1
    std::uint64_t x;
    do {
        x = rng();
    } while (x > limit);
    return x % range;
}

}  // namespace

void AppendRandom(std::mt19937_64& rng, std::int64_t a, std::int64_t b, std::string* out) noexcept {
    if (b < a) b = a;
    const std::uint64_t span = static_cast<std::uint64_t>(b) - static_cast<std::uint64_t>(a);
    const std::uint64_t v = static_cast<std::uint64_t>(a) + UniformUpTo(rng, span);
    AppendInt(static_cast<std::int64_t>(v), out);
}

void AppendUuid(std::mt19937_64& rng, std::string* out) noexcept {
    std::uint64_t hi = rng();
    std::uint64_t lo = rng();
    hi = (hi & ~0xF000ULL) | 0x4000ULL;                    // version 4
    lo = (lo & ~(0xC000ULL << 48)) | (0x8000ULL << 48);    // variant 10xx
    static constexpr char kHex[] = "0123456789abcdef";
    char buf[36];
    int p = 0;
    auto put = [&](std::uint64_t v, int nibbles) {
        for (int i = nibbles - 1; i >= 0; --i) buf[p++] = kHex[(v >> (4 * i)) & 0xF];
    };
    put(hi >> 32, 8);
    buf[p++] = '-';
    put((hi >> 16) & 0xFFFF, 4);
    buf[p++] = '-';
    put(hi & 0xFFFF, 4);
    buf[p++] = '-';
    put(lo >> 48, 4);
    buf[p++] = '-';
    put(lo & 0xFFFFFFFFFFFFULL, 12);
    out->append(buf, sizeof buf);
}

void AppendSegment(const Segment& seg, const ExpandContext& ctx, std::string* out) noexcept {
    switch (seg.kind) {
        case Segment::Kind::kLiteral:
            out->append(seg.text);
            break;
        case Segment::Kind::kSeq:
            AppendInt(ctx.seq != nullptr ? ctx.seq->Next() : 0, out);
            break;
        case Segment::Kind::kRandom:
            if (ctx.rng != nullptr) AppendRandom(*ctx.rng, seg.a, seg.b, out);
            break;
        case Segment::Kind::kUuid:
            if (ctx.rng != nullptr) AppendUuid(*ctx.rng, out);
            break;
        case Segment::Kind::kVuser:
            AppendInt(ctx.vuser, out);
            break;
        case Segment::Kind::kValue: {
            const auto slot = static_cast<std::size_t>(seg.a);
            static const ValueSlot kEmpty;
            const ValueSlot& v = ctx.values != nullptr && seg.a >= 0 && slot < ctx.value_count ? ctx.values[slot] : kEmpty;
            AppendValue(v, static_cast<ValueEncoding>(seg.b), out);
            break;
        }
        case Segment::Kind::kData: {
            const DataRows* d = ctx.data;
            const auto feed = static_cast<std::size_t>(seg.a);
            if (d == nullptr || seg.a < 0 || feed >= d->rows.size() || seg.draw >= d->rows[feed].size()) break;
            const data::DataTable* table = d->tables[feed];
            const std::int64_t row = d->rows[feed][seg.draw];
            if (table == nullptr || row < 0 || static_cast<std::size_t>(row) >= table->RowCount() ||
                seg.column >= table->ColumnCount()) {
                break;
            }
            AppendCell(table->Cell(static_cast<std::size_t>(row), seg.column),
                       table->Kind(static_cast<std::size_t>(row), seg.column), static_cast<ValueEncoding>(seg.b), out);
            break;
        }
        case Segment::Kind::kCount:
            break;
    }
}

void AppendCell(std::string_view text, data::CellKind kind, ValueEncoding encoding, std::string* out) noexcept {
    switch (encoding) {
        case ValueEncoding::kRaw: out->append(text); return;
        case ValueEncoding::kPercent: http::AppendPercentEncoded(text, out); return;
        case ValueEncoding::kJsonString: AppendJsonEscaped(text, out); return;
        default: break;
    }
    switch (kind) {
        case data::CellKind::kNumber:
        case data::CellKind::kBool:
        case data::CellKind::kJson:
            out->append(text);
            break;
        case data::CellKind::kNull:
            out->append("null");
            break;
        default:
            out->push_back('"');
            AppendJsonEscaped(text, out);
            out->push_back('"');
    }
}

void AppendJsonEscaped(std::string_view text, std::string* out) noexcept {
    static constexpr char kHex[] = "0123456789abcdef";
    std::size_t clean = 0;  // the common case, nothing to escape, is one append
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        out->append(text.substr(clean, i - clean));
        clean = i + 1;
        out->push_back('\\');
        switch (c) {
            case '"': out->push_back('"'); break;
            case '\\': out->push_back('\\'); break;
            case '\b': out->push_back('b'); break;
            case '\f': out->push_back('f'); break;
            case '\n': out->push_back('n'); break;
            case '\r': out->push_back('r'); break;
            case '\t': out->push_back('t'); break;
            default:
                out->append("u00");
                out->push_back(kHex[c >> 4]);
                out->push_back(kHex[c & 0xF]);
        }
    }
    out->append(text.substr(clean));
}

void AppendValue(const ValueSlot& value, ValueEncoding encoding, std::string* out) noexcept {
    switch (encoding) {
        case ValueEncoding::kRaw:
            out->append(value.text);
            break;
        case ValueEncoding::kPercent:
            http::AppendPercentEncoded(value.text, out);
            break;
        case ValueEncoding::kJsonString:
            AppendJsonEscaped(value.text, out);
            break;
        case ValueEncoding::kJsonValue:
            // tonumber() made it a number (its text was checked); a JSON token stays what it was ({...} too);
            // anything else (a header, a pattern's match, a missing value) is a string.
            if (value.ok && value.number) {
                out->append(value.text);
            } else if (value.ok && value.json) {
                out->append(value.raw);
            } else {
                out->push_back('"');
                AppendJsonEscaped(value.text, out);
                out->push_back('"');
            }
            break;
        case ValueEncoding::kCount:
            break;
    }
}

void AppendExpanded(const Template& t, const ExpandContext& ctx, std::string* out) noexcept {
    for (const Segment& seg : t.segments) AppendSegment(seg, ctx, out);
}

std::string Expand(const Template& t, const ExpandContext& ctx) {
    std::string out;
    AppendExpanded(t, ctx, &out);
    return out;
}

}  // namespace lse::plan
