#pragma once
/// @file
/// A list of messages where repeats (the same failure in many virtual users) count instead of
/// repeating: 1000 virtual users failing the same way give one line, not 1000.

#include <string>
#include <unordered_map>
#include <vector>

namespace lse::lua::capture {

class MessageList {
public:
    void Add(std::string message) {
        auto [it, inserted] = index_.emplace(message, messages_.size());
        if (inserted) {
            messages_.push_back(std::move(message));
            counts_.push_back(1);
        } else {
            ++counts_[it->second];
        }
    }
    bool Empty() const noexcept { return messages_.empty(); }
    /// In first-seen order; "... (N virtual users)" when a message came N > 1 times.
    std::vector<std::string> Render() const {
        std::vector<std::string> out;
        out.reserve(messages_.size());
        for (std::size_t i = 0; i < messages_.size(); ++i) {
            out.push_back(counts_[i] > 1 ? messages_[i] + " (" + std::to_string(counts_[i]) + " virtual users)"
                                         : messages_[i]);
        }
        return out;
    }

private:
    std::vector<std::string> messages_;
    std::vector<int> counts_;
    std::unordered_map<std::string, std::size_t> index_;
};

}  // namespace lse::lua::capture
