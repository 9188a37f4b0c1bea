// A thin owner of parallel HDF5 handles: the file is opened by all ranks with
// the MPI-IO driver, and every dataset write is collective (a rank with nothing
// to write takes part with an empty selection).
#pragma once

#include <hdf5.h>
#include <mpi.h>

#include <cstdint>
#include <string>
#include <vector>

namespace microcircuit {

class Hdf5Handle {
public:
    Hdf5Handle() = default;
    Hdf5Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
    ~Hdf5Handle() { reset(); }
    Hdf5Handle(Hdf5Handle&& other) noexcept : id_(other.id_), close_(other.close_) {
        other.id_ = -1;
    }
    Hdf5Handle& operator=(Hdf5Handle&& other) noexcept {
        if (this != &other) {
            reset();
            id_ = other.id_;
            close_ = other.close_;
            other.id_ = -1;
        }
        return *this;
    }
    Hdf5Handle(const Hdf5Handle&) = delete;
    Hdf5Handle& operator=(const Hdf5Handle&) = delete;
    hid_t id() const { return id_; }
    void reset() {
        if (id_ >= 0 && close_ != nullptr) {
            close_(id_);
        }
        id_ = -1;
    }

private:
    hid_t id_ = -1;
    herr_t (*close_)(hid_t) = nullptr;
};

// A one-dimensional dataset that grows by collective appends.
class AppendableDataset {
public:
    AppendableDataset() = default;
    AppendableDataset(hid_t group, const std::string& name, hid_t type);
    // Appends `total` elements in all; this rank writes `values` at `offset` among them.
    void append(const void* values, std::uint64_t count, std::uint64_t offset, std::uint64_t total);
    hid_t id() const { return dataset_.id(); }

private:
    Hdf5Handle dataset_;
    hid_t type_ = -1;
    std::uint64_t size_ = 0;
};

class Hdf5File {
public:
    enum class Mode { create, read };
    // Collective over `comm`; `create` truncates an existing file.
    Hdf5File(const std::string& path, MPI_Comm comm, Mode mode = Mode::create);
    hid_t id() const { return file_.id(); }
    void close() { file_.reset(); }

private:
    Hdf5Handle file_;
};

// Initialises the HDF5 library now: it registers its exit handler then,
// before the run's exit guard (parallel/communicator.hpp) registers its own.
void initialize_hdf5();

Hdf5Handle create_group(hid_t parent, const std::string& name);
void write_attribute(hid_t object, const std::string& name, const std::string& value);
void write_attribute(hid_t object, const std::string& name, double value);
void write_attribute(hid_t object, const std::string& name, std::uint64_t value);
void write_attribute(hid_t object, const std::string& name,
                     const std::vector<std::uint64_t>& values);

// A dataset of fixed shape rows x columns of doubles.
Hdf5Handle create_matrix_dataset(hid_t group, const std::string& name, std::uint64_t rows,
                                 std::uint64_t columns);
// Collective write of rows [first_row, first_row + rows); only `writer` passes data.
void write_matrix_rows(hid_t dataset, std::uint64_t first_row, std::uint64_t rows,
                       std::uint64_t columns, const double* values, bool writer);
Hdf5Handle write_vector_dataset(hid_t group, const std::string& name,
                                const std::vector<std::uint64_t>& values, bool writer);
Hdf5Handle write_vector_dataset(hid_t group, const std::string& name,
                                const std::vector<double>& values, bool writer);

Hdf5Handle open_group(hid_t parent, const std::string& name);
Hdf5Handle open_dataset(hid_t parent, const std::string& name);
std::string read_string_attribute(hid_t object, const std::string& name);
std::uint64_t read_uint64_attribute(hid_t object, const std::string& name);
double read_double_attribute(hid_t object, const std::string& name);

// Elements first, first + stride, ... (`count` of them) of a one-dimensional dataset.
struct ElementRange {
    std::uint64_t first = 0;
    std::uint64_t stride = 1;
    std::uint64_t count = 0;
};
// A dataset of `total` elements of which this rank writes those of `range`
// from `values` (collective).
void write_elements(hid_t group, const std::string& name, hid_t type, std::uint64_t total,
                    const ElementRange& range, const void* values);
// Reads the elements of `range` into `values` (collective).
void read_elements(hid_t group, const std::string& name, hid_t type, const ElementRange& range,
                   void* values);
// The whole one-dimensional dataset, on every rank.
std::vector<std::uint64_t> read_uint64_dataset(hid_t group, const std::string& name);

} // namespace microcircuit
