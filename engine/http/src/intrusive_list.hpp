#pragma once
/// @file
/// Doubly linked list threaded through the elements themselves: queueing an exchange or parking an idle
/// connection costs two pointer writes and never allocates.

#include <cstddef>

#include "lse/http/client.hpp"

namespace lse::http::detail {

/// kLinks maps an element to its links, so a list can thread through a nested member.
template <typename T, ListLinks<T>& (*kLinks)(T*)>
class IntrusiveList {
public:
    bool Empty() const noexcept { return head_ == nullptr; }
    std::size_t Size() const noexcept { return size_; }
    T* Front() const noexcept { return head_; }
    T* Back() const noexcept { return tail_; }

    void PushBack(T* item) noexcept {
        ListLinks<T>& l = kLinks(item);
        l.prev = tail_;
        l.next = nullptr;
        if (tail_ != nullptr) {
            kLinks(tail_).next = item;
        } else {
            head_ = item;
        }
        tail_ = item;
        ++size_;
    }

    void PushFront(T* item) noexcept {
        ListLinks<T>& l = kLinks(item);
        l.prev = nullptr;
        l.next = head_;
        if (head_ != nullptr) {
            kLinks(head_).prev = item;
        } else {
            tail_ = item;
        }
        head_ = item;
        ++size_;
    }

    /// Inserts item right after `after` (which must be in this list), or at the front when null.
    void InsertAfter(T* after, T* item) noexcept {
        if (after == nullptr) {
            PushFront(item);
            return;
        }
        ListLinks<T>& l = kLinks(item);
        ListLinks<T>& a = kLinks(after);
        l.prev = after;
        l.next = a.next;
        if (a.next != nullptr) {
            kLinks(a.next).prev = item;
        } else {
            tail_ = item;
        }
        a.next = item;
        ++size_;
    }

    T* PopFront() noexcept {
        T* item = head_;
        if (item != nullptr) Remove(item);
        return item;
    }

    /// The item must be in this list.
    void Remove(T* item) noexcept {
        ListLinks<T>& l = kLinks(item);
        if (l.prev != nullptr) {
            kLinks(l.prev).next = l.next;
        } else {
            head_ = l.next;
        }
        if (l.next != nullptr) {
            kLinks(l.next).prev = l.prev;
        } else {
            tail_ = l.prev;
        }
        l.prev = nullptr;
        l.next = nullptr;
        --size_;
    }

    /// Moves every element into `other` (which must be empty), leaving this list empty.
    void MoveTo(IntrusiveList& other) noexcept {
        other.head_ = head_;
        other.tail_ = tail_;
        other.size_ = size_;
        head_ = tail_ = nullptr;
        size_ = 0;
    }

    static T* Next(T* item) noexcept { return kLinks(item).next; }
    static T* Prev(T* item) noexcept { return kLinks(item).prev; }

private:
    T* head_ = nullptr;
    T* tail_ = nullptr;
    std::size_t size_ = 0;
};

inline ListLinks<Exchange>& ExchangeLinks(Exchange* ex) noexcept { return ex->internal_.links; }
using ExchangeList = IntrusiveList<Exchange, &ExchangeLinks>;

}  // namespace lse::http::detail
