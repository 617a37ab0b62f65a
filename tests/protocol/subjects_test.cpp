#include "lse/protocol/subjects.hpp"

#include <gtest/gtest.h>

#include "lse/core/errors.hpp"
#include "lse/protocol/limits.hpp"

namespace lse::protocol {
namespace {

TEST(Subjects, BuildsEverySubject) {
    EXPECT_EQ(subjects::Register("c1"), "lse.c1.register");
    EXPECT_EQ(subjects::Time("c1"), "lse.c1.time");
    EXPECT_EQ(subjects::Agent("c1", "r1", "agent-0", AgentChannel::kPlan), "lse.c1.r1.agent.agent-0.plan");
    EXPECT_EQ(subjects::Agent("c1", "r1", "agent-0", AgentChannel::kStart), "lse.c1.r1.agent.agent-0.start");
    EXPECT_EQ(subjects::Agent("c1", "r1", "agent-0", AgentChannel::kStop), "lse.c1.r1.agent.agent-0.stop");
    EXPECT_EQ(subjects::Agent("c1", "r1", "agent-0", AgentChannel::kRebalance), "lse.c1.r1.agent.agent-0.rebalance");
    EXPECT_EQ(subjects::Agent("c1", "r1", "agent-0", AgentChannel::kMetricsAck),
              "lse.c1.r1.agent.agent-0.metrics-ack");
    EXPECT_EQ(subjects::AgentInbox("c1", "agent-0"), "lse.c1.*.agent.agent-0.*");
    EXPECT_EQ(subjects::Metrics("c1", "r1", "agent-0"), "lse.c1.r1.metrics.agent-0");
    EXPECT_EQ(subjects::Heartbeat("c1", "r1", "agent-0"), "lse.c1.r1.heartbeat.agent-0");
    EXPECT_EQ(subjects::Ack("c1", "r1", "agent-0"), "lse.c1.r1.ack.agent-0");
    EXPECT_EQ(subjects::CoordinatorHeartbeat("c1", "r1"), "lse.c1.r1.coordinator.heartbeat");
    EXPECT_EQ(subjects::AllMetrics("c1", "r1"), "lse.c1.r1.metrics.*");
    EXPECT_EQ(subjects::AllHeartbeats("c1", "r1"), "lse.c1.r1.heartbeat.*");
    EXPECT_EQ(subjects::AllAcks("c1", "r1"), "lse.c1.r1.ack.*");
}

TEST(Subjects, LastTokenNamesTheAgent) {
    EXPECT_EQ(subjects::LastToken("lse.c1.r1.metrics.agent-0"), "agent-0");
    EXPECT_EQ(subjects::LastToken("plain"), "plain");
    EXPECT_EQ(subjects::LastToken("a."), "");
}

TEST(Subjects, AcceptsTypicalIds) {
    for (const char* id : {"agent-0", "orders_cluster", "run-20240101T120000-7f3a", "A", "host:4222", "x+y=z"}) {
        EXPECT_TRUE(IsValidId(id)) << id;
        EXPECT_NO_THROW(ValidateId("--agent-id", id));
    }
    EXPECT_TRUE(IsValidId(std::string(kMaxIdLength, 'a')));
}

TEST(Subjects, RejectsIdsThatBreakSubjects) {
    const std::string too_long(kMaxIdLength + 1, 'a');
    for (std::string id : {std::string(""), std::string("a.b"), std::string("a*"), std::string(">"),
                           std::string("a b"), std::string("a\tb"), std::string("a\nb"), std::string("a\0b", 3),
                           std::string("caf\xc3\xa9"), std::string("\x7f"), too_long}) {
        std::string why;
        EXPECT_FALSE(IsValidId(id, &why)) << id;
        EXPECT_FALSE(why.empty());
        EXPECT_THROW(ValidateId("--agent-id", id), UsageError) << id;
    }
}

TEST(Subjects, ErrorNamesTheFlagAndTheId) {
    try {
        ValidateId("--cluster-id", "prod.eu");
        FAIL() << "expected UsageError";
    } catch (const UsageError& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("--cluster-id"), std::string::npos) << what;
        EXPECT_NE(what.find("prod.eu"), std::string::npos) << what;
        EXPECT_NE(what.find("'.'"), std::string::npos) << what;
        EXPECT_EQ(e.code(), ExitCode::kUsage);
    }
}

TEST(Subjects, OptionalIdAcceptsEmptyOnly) {
    EXPECT_NO_THROW(ValidateOptionalId("--group", ""));
    EXPECT_NO_THROW(ValidateOptionalId("--group", "perf"));
    EXPECT_THROW(ValidateOptionalId("--group", "perf agents"), UsageError);
}

TEST(Subjects, BuildersRefuseInvalidIds) {
    EXPECT_THROW(subjects::Register("a.b"), UsageError);
    EXPECT_THROW(subjects::Agent("c", "r>", "a", AgentChannel::kPlan), UsageError);
    EXPECT_THROW(subjects::Metrics("c", "r", "*"), UsageError);
    EXPECT_THROW(subjects::AgentInbox("c", ""), UsageError);
    EXPECT_THROW(subjects::Agent("c", "r", "a", AgentChannel::kCount), UsageError);
}

}  // namespace
}  // namespace lse::protocol
