#include "lse/plan/template_expand.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <set>
#include <thread>

#include "plan_fixtures.hpp"

namespace lse::plan {
namespace {

using testing_fixtures::Seg;
using testing_fixtures::Text;

// "xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx", lower-case hex.
bool IsUuidV4(std::string_view u) {
    if (u.size() != 36) return false;
    for (size_t i = 0; i < u.size(); ++i) {
        const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        const char c = u[i];
        if (dash != (c == '-')) return false;
        if (!dash && !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    }
    return u[14] == '4' && (u[19] == '8' || u[19] == '9' || u[19] == 'a' || u[19] == 'b');
}

// The fixed part of the expansion below, with the sequence number and UUID cut out.
void CheckShape(const std::string& s, const std::string& seq) {
    const std::string head = "id=" + seq + "&vu=42&r=5&u=";
    ASSERT_EQ(s.substr(0, head.size()), head) << s;
    EXPECT_TRUE(IsUuidV4(s.substr(head.size()))) << s;
}

TEST(StridedSeq, SingleAgentCountsFromOne) {
    StridedSeq seq(0, 1);
    EXPECT_EQ(seq.Next(), 1u);
    EXPECT_EQ(seq.Next(), 2u);
    EXPECT_EQ(seq.Next(), 3u);
}

TEST(StridedSeq, AgentsDrawDisjointProgressions) {
    std::set<std::uint64_t> all;
    size_t drawn = 0;
    for (int agent = 0; agent < 3; ++agent) {
        StridedSeq seq(agent, 3);
        for (int k = 0; k < 100 + agent * 17; ++k) {  // agents run at different speeds
            const std::uint64_t v = seq.Next();
            EXPECT_EQ((v - 1) % 3, static_cast<std::uint64_t>(agent));
            all.insert(v);
            ++drawn;
        }
    }
    EXPECT_EQ(all.size(), drawn);
}

TEST(StridedSeq, WorkerThreadsNeverShareAValue) {
    StridedSeq seq(1, 2);
    std::vector<std::vector<std::uint64_t>> got(4);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 5000; ++i) got[static_cast<size_t>(t)].push_back(seq.Next());
        });
    }
    for (auto& th : threads) th.join();
    std::set<std::uint64_t> all;
    for (const auto& g : got) all.insert(g.begin(), g.end());
    EXPECT_EQ(all.size(), 20000u);
    EXPECT_EQ(*all.begin(), 2u);
    EXPECT_EQ(*all.rbegin(), 2u + 2u * 19999u);
}

TEST(TemplateExpand, EveryKind) {
    StridedSeq seq(0, 1);
    std::mt19937_64 rng(1);
    ExpandContext ctx{&seq, &rng, 42};
    Template t;
    t.segments = {Text("id="), Seg(Segment::Kind::kSeq), Text("&vu="), Seg(Segment::Kind::kVuser), Text("&r="),
                  Seg(Segment::Kind::kRandom, 5, 5), Text("&u="), Seg(Segment::Kind::kUuid)};
    const std::string a = Expand(t, ctx);
    const std::string b = Expand(t, ctx);
    CheckShape(a, "1");
    CheckShape(b, "2");
    EXPECT_NE(a.substr(a.size() - 36), b.substr(b.size() - 36));  // fresh UUID per expansion
}

TEST(TemplateExpand, RandomStaysInRangeAndCoversIt) {
    std::mt19937_64 rng(9);
    std::set<std::int64_t> seen;
    std::string out;
    for (int i = 0; i < 2000; ++i) {
        out.clear();
        AppendRandom(rng, -3, 3, &out);
        const std::int64_t v = std::stoll(out);
        ASSERT_GE(v, -3);
        ASSERT_LE(v, 3);
        seen.insert(v);
    }
    EXPECT_EQ(seen.size(), 7u);
    out.clear();
    AppendRandom(rng, INT64_MIN, INT64_MAX, &out);  // the full range must not overflow
    EXPECT_FALSE(out.empty());
}

// A value inside a JSON string (ValueEncoding::kJsonString) is escaped exactly as lsengine's JSON encoder
// (nlohmann's dump, what Lua's json= bodies go through) escapes it: every control character, quotes,
// backslashes; UTF-8 and '/' as they are.
TEST(TemplateExpand, JsonEscapingMatchesTheJsonEncoder) {
    std::string all;
    for (int c = 1; c < 0x80; ++c) all.push_back(static_cast<char>(c));
    all += "\xc3\xa9\xe2\x82\xac";
    for (const std::string& text : {all, std::string("plain"), std::string(""), std::string("a\"b\\c\n")}) {
        std::string out = "<";
        AppendJsonEscaped(text, &out);
        EXPECT_EQ(out, "<" + nlohmann::json(text).dump().substr(1, nlohmann::json(text).dump().size() - 2));
    }
}

TEST(TemplateExpand, ValuePlaceholdersReadTheIterationsSlots) {
    ValueSlot values[2];
    values[0].text = "a b";
    values[0].ok = true;
    values[1].text = "7";
    values[1].number = true;
    values[1].ok = true;
    ExpandContext ctx;
    ctx.values = values;
    ctx.value_count = 2;
    auto value = [](std::int64_t slot, ValueEncoding e) {
        return Segment{Segment::Kind::kValue, "", slot, static_cast<std::int64_t>(e)};
    };
    Template t;
    t.segments = {Text("["), value(0, ValueEncoding::kRaw), Text("|"), value(0, ValueEncoding::kPercent), Text("|"),
                  value(0, ValueEncoding::kJsonValue), Text("|"), value(1, ValueEncoding::kJsonValue), Text("|"),
                  value(5, ValueEncoding::kRaw), value(5, ValueEncoding::kJsonValue), Text("]")};
    // A slot the iteration has no value for (past the end: never filled) is empty text.
    EXPECT_EQ(Expand(t, ctx), "[a b|a%20b|\"a b\"|7|\"\"]");
    values[1].ok = false;  // on_extract_error = "empty": a missing number is an empty string, never bare
    values[1].text.clear();
    EXPECT_EQ(Expand(t, ctx), "[a b|a%20b|\"a b\"|\"\"|\"\"]");
}

TEST(TemplateExpand, ReusedBufferStopsGrowing) {
    StridedSeq seq(0, 1);
    std::mt19937_64 rng(1);
    ExpandContext ctx{&seq, &rng, 7};
    Template t;
    t.segments = {Text("{\"name\":\"p-"), Seg(Segment::Kind::kSeq), Text("\",\"u\":\""), Seg(Segment::Kind::kUuid),
                  Text("\"}")};
    std::string out;
    out.reserve(256);
    const char* data = out.data();
    for (int i = 0; i < 1000; ++i) {
        out.clear();
        AppendExpanded(t, ctx, &out);
    }
    EXPECT_EQ(out.data(), data);  // no reallocation: the steady state does not allocate
    EXPECT_NE(out.find("p-1000\""), std::string::npos) << out;
}

}  // namespace
}  // namespace lse::plan
