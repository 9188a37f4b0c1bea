// An allocator for the large, randomly accessed arrays (input buffers,
// synapse store): it asks the kernel for transparent huge pages, so that a
// random access into tens of megabytes does not also miss the TLB. On
// systems where transparent huge pages are "madvise" only (Debian's default)
// this is the difference; where they are off, it changes nothing.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdlib>
#include <new>

namespace microcircuit {

template <typename T> struct HugePageAllocator {
    using value_type = T;

    static constexpr std::size_t huge_page = std::size_t{2} << 20U;

    HugePageAllocator() = default;
    template <typename U> explicit HugePageAllocator(const HugePageAllocator<U>& /*other*/) {}

    T* allocate(std::size_t n) {
        const std::size_t bytes = n * sizeof(T);
        if (bytes < huge_page) {
            if (void* p = std::malloc(bytes)) {
                return static_cast<T*>(p);
            }
            throw std::bad_alloc();
        }
        const std::size_t rounded = (bytes + huge_page - 1) / huge_page * huge_page;
        void* p = std::aligned_alloc(huge_page, rounded);
        if (p == nullptr) {
            throw std::bad_alloc();
        }
        madvise(p, rounded, MADV_HUGEPAGE); // advice only: failure leaves normal pages
        return static_cast<T*>(p);
    }

    void deallocate(T* p, std::size_t /*n*/) { std::free(p); }

    template <typename U> bool operator==(const HugePageAllocator<U>& /*other*/) const {
        return true;
    }
    template <typename U> bool operator!=(const HugePageAllocator<U>& /*other*/) const {
        return false;
    }
};

} // namespace microcircuit
