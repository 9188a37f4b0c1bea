#include "output/hdf5_file.hpp"

#include <algorithm>
#include <stdexcept>

namespace microcircuit {

namespace {

hid_t check(hid_t id, const std::string& what) {
    if (id < 0) {
        throw std::runtime_error("HDF5: cannot " + what);
    }
    return id;
}

void check_status(herr_t status, const std::string& what) {
    if (status < 0) {
        throw std::runtime_error("HDF5: cannot " + what);
    }
}

Hdf5Handle collective_transfer() {
    Hdf5Handle plist(check(H5Pcreate(H5P_DATASET_XFER), "create a transfer list"), H5Pclose);
    check_status(H5Pset_dxpl_mpio(plist.id(), H5FD_MPIO_COLLECTIVE), "select collective I/O");
    return plist;
}

constexpr hsize_t append_chunk = 1U << 16U;

template <typename T>
Hdf5Handle write_vector(hid_t group, const std::string& name, const std::vector<T>& values,
                        hid_t type, bool writer) {
    const hsize_t size = values.size();
    Hdf5Handle space(check(H5Screate_simple(1, &size, nullptr), "create a dataspace"), H5Sclose);
    Hdf5Handle dataset(check(H5Dcreate2(group, name.c_str(), type, space.id(), H5P_DEFAULT,
                                        H5P_DEFAULT, H5P_DEFAULT),
                             "create dataset " + name),
                       H5Dclose);
    // An empty dataset has no storage to write into (size is the same on every rank).
    if (size == 0) {
        return dataset;
    }
    if (!writer) {
        H5Sselect_none(space.id());
    }
    const hsize_t count = writer ? size : 0;
    Hdf5Handle memory(check(H5Screate_simple(1, &count, nullptr), "create a dataspace"), H5Sclose);
    const auto transfer = collective_transfer();
    check_status(H5Dwrite(dataset.id(), type, memory.id(), space.id(), transfer.id(),
                          writer && size > 0 ? values.data() : nullptr),
                 "write dataset " + name);
    return dataset;
}

} // namespace

Hdf5File::Hdf5File(const std::string& path, MPI_Comm comm, Mode mode) {
    Hdf5Handle access(check(H5Pcreate(H5P_FILE_ACCESS), "create a file access list"), H5Pclose);
    check_status(H5Pset_fapl_mpio(access.id(), comm, MPI_INFO_NULL), "select the MPI-IO driver");
    if (mode == Mode::read) {
        // HDF5 prints its own error stack on a failed open: the caller says it better.
        H5E_auto2_t handler = nullptr;
        void* data = nullptr;
        H5Eget_auto2(H5E_DEFAULT, &handler, &data);
        H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
        const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, access.id());
        H5Eset_auto2(H5E_DEFAULT, handler, data);
        file_ = Hdf5Handle(check(file, "open " + path), H5Fclose);
        return;
    }
    file_ = Hdf5Handle(
        check(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, access.id()), "create " + path),
        H5Fclose);
}

void initialize_hdf5() { check_status(H5open(), "initialise the library"); }

Hdf5Handle create_group(hid_t parent, const std::string& name) {
    return {check(H5Gcreate2(parent, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                  "create group " + name),
            H5Gclose};
}

void write_attribute(hid_t object, const std::string& name, const std::string& value) {
    // Variable-length UTF-8, which readers such as h5py return as text.
    Hdf5Handle type(check(H5Tcopy(H5T_C_S1), "copy a string type"), H5Tclose);
    check_status(H5Tset_size(type.id(), H5T_VARIABLE), "size a string type");
    check_status(H5Tset_cset(type.id(), H5T_CSET_UTF8), "set UTF-8");
    Hdf5Handle space(check(H5Screate(H5S_SCALAR), "create a scalar dataspace"), H5Sclose);
    Hdf5Handle attribute(
        check(H5Acreate2(object, name.c_str(), type.id(), space.id(), H5P_DEFAULT, H5P_DEFAULT),
              "create attribute " + name),
        H5Aclose);
    const char* text = value.c_str();
    check_status(H5Awrite(attribute.id(), type.id(), &text), "write attribute " + name);
}

namespace {
template <typename T>
void write_numeric_attribute(hid_t object, const std::string& name, const T* values, hsize_t count,
                             hid_t type) {
    Hdf5Handle space(
        check(count == 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &count, nullptr),
              "create a dataspace"),
        H5Sclose);
    Hdf5Handle attribute(
        check(H5Acreate2(object, name.c_str(), type, space.id(), H5P_DEFAULT, H5P_DEFAULT),
              "create attribute " + name),
        H5Aclose);
    check_status(H5Awrite(attribute.id(), type, values), "write attribute " + name);
}
} // namespace

void write_attribute(hid_t object, const std::string& name, double value) {
    write_numeric_attribute(object, name, &value, 0, H5T_NATIVE_DOUBLE);
}

void write_attribute(hid_t object, const std::string& name, std::uint64_t value) {
    write_numeric_attribute(object, name, &value, 0, H5T_NATIVE_UINT64);
}

void write_attribute(hid_t object, const std::string& name,
                     const std::vector<std::uint64_t>& values) {
    write_numeric_attribute(object, name, values.data(), values.size(), H5T_NATIVE_UINT64);
}

AppendableDataset::AppendableDataset(hid_t group, const std::string& name, hid_t type)
    : type_(type) {
    const hsize_t initial = 0;
    const hsize_t unlimited = H5S_UNLIMITED;
    Hdf5Handle space(check(H5Screate_simple(1, &initial, &unlimited), "create a dataspace"),
                     H5Sclose);
    Hdf5Handle create(check(H5Pcreate(H5P_DATASET_CREATE), "create a dataset list"), H5Pclose);
    check_status(H5Pset_chunk(create.id(), 1, &append_chunk), "set the chunk size");
    dataset_ = Hdf5Handle(check(H5Dcreate2(group, name.c_str(), type, space.id(), H5P_DEFAULT,
                                           create.id(), H5P_DEFAULT),
                                "create dataset " + name),
                          H5Dclose);
}

void AppendableDataset::append(const void* values, std::uint64_t count, std::uint64_t offset,
                               std::uint64_t total) {
    if (total == 0) {
        return; // the same on every rank: nobody calls HDF5
    }
    const hsize_t new_size = size_ + total;
    check_status(H5Dset_extent(dataset_.id(), &new_size), "extend a dataset");
    Hdf5Handle file_space(check(H5Dget_space(dataset_.id()), "get a dataspace"), H5Sclose);
    const hsize_t start = size_ + offset;
    const hsize_t n = count;
    if (n > 0) {
        check_status(
            H5Sselect_hyperslab(file_space.id(), H5S_SELECT_SET, &start, nullptr, &n, nullptr),
            "select a hyperslab");
    } else {
        H5Sselect_none(file_space.id());
    }
    Hdf5Handle memory(check(H5Screate_simple(1, &n, nullptr), "create a dataspace"), H5Sclose);
    const auto transfer = collective_transfer();
    check_status(H5Dwrite(dataset_.id(), type_, memory.id(), file_space.id(), transfer.id(),
                          n > 0 ? values : nullptr),
                 "append to a dataset");
    size_ = new_size;
}

Hdf5Handle create_matrix_dataset(hid_t group, const std::string& name, std::uint64_t rows,
                                 std::uint64_t columns) {
    const hsize_t dims[2] = {rows, columns};
    Hdf5Handle space(check(H5Screate_simple(2, dims, nullptr), "create a dataspace"), H5Sclose);
    return {check(H5Dcreate2(group, name.c_str(), H5T_NATIVE_DOUBLE, space.id(), H5P_DEFAULT,
                             H5P_DEFAULT, H5P_DEFAULT),
                  "create dataset " + name),
            H5Dclose};
}

void write_matrix_rows(hid_t dataset, std::uint64_t first_row, std::uint64_t rows,
                       std::uint64_t columns, const double* values, bool writer) {
    Hdf5Handle file_space(check(H5Dget_space(dataset), "get a dataspace"), H5Sclose);
    const hsize_t start[2] = {first_row, 0};
    const hsize_t count[2] = {writer ? rows : 0, columns};
    if (writer && rows > 0) {
        check_status(
            H5Sselect_hyperslab(file_space.id(), H5S_SELECT_SET, start, nullptr, count, nullptr),
            "select rows");
    } else {
        H5Sselect_none(file_space.id());
    }
    Hdf5Handle memory(check(H5Screate_simple(2, count, nullptr), "create a dataspace"), H5Sclose);
    const auto transfer = collective_transfer();
    check_status(H5Dwrite(dataset, H5T_NATIVE_DOUBLE, memory.id(), file_space.id(), transfer.id(),
                          writer && rows > 0 ? values : nullptr),
                 "write rows");
}

Hdf5Handle write_vector_dataset(hid_t group, const std::string& name,
                                const std::vector<std::uint64_t>& values, bool writer) {
    return write_vector(group, name, values, H5T_NATIVE_UINT64, writer);
}

Hdf5Handle write_vector_dataset(hid_t group, const std::string& name,
                                const std::vector<double>& values, bool writer) {
    return write_vector(group, name, values, H5T_NATIVE_DOUBLE, writer);
}

Hdf5Handle open_group(hid_t parent, const std::string& name) {
    return {check(H5Gopen2(parent, name.c_str(), H5P_DEFAULT), "open group " + name), H5Gclose};
}

Hdf5Handle open_dataset(hid_t parent, const std::string& name) {
    return {check(H5Dopen2(parent, name.c_str(), H5P_DEFAULT), "open dataset " + name), H5Dclose};
}

std::string read_string_attribute(hid_t object, const std::string& name) {
    Hdf5Handle attribute(
        check(H5Aopen(object, name.c_str(), H5P_DEFAULT), "open attribute " + name), H5Aclose);
    Hdf5Handle type(check(H5Tcopy(H5T_C_S1), "copy a string type"), H5Tclose);
    check_status(H5Tset_size(type.id(), H5T_VARIABLE), "size a string type");
    check_status(H5Tset_cset(type.id(), H5T_CSET_UTF8), "set UTF-8");
    char* text = nullptr;
    check_status(H5Aread(attribute.id(), type.id(), &text), "read attribute " + name);
    std::string value = text != nullptr ? text : "";
    H5free_memory(text);
    return value;
}

std::uint64_t read_uint64_attribute(hid_t object, const std::string& name) {
    Hdf5Handle attribute(
        check(H5Aopen(object, name.c_str(), H5P_DEFAULT), "open attribute " + name), H5Aclose);
    std::uint64_t value = 0;
    check_status(H5Aread(attribute.id(), H5T_NATIVE_UINT64, &value), "read attribute " + name);
    return value;
}

double read_double_attribute(hid_t object, const std::string& name) {
    Hdf5Handle attribute(
        check(H5Aopen(object, name.c_str(), H5P_DEFAULT), "open attribute " + name), H5Aclose);
    double value = 0.0;
    check_status(H5Aread(attribute.id(), H5T_NATIVE_DOUBLE, &value), "read attribute " + name);
    return value;
}

namespace {

Hdf5Handle create_vector(hid_t group, const std::string& name, hid_t type, std::uint64_t total) {
    const hsize_t size = total;
    Hdf5Handle space(check(H5Screate_simple(1, &size, nullptr), "create a dataspace"), H5Sclose);
    return {check(H5Dcreate2(group, name.c_str(), type, space.id(), H5P_DEFAULT, H5P_DEFAULT,
                             H5P_DEFAULT),
                  "create dataset " + name),
            H5Dclose};
}

// The selections of a collective transfer of the elements of `range`.
struct ElementTransfer {
    ElementTransfer(hid_t dataset, const ElementRange& range)
        : file_space(check(H5Dget_space(dataset), "get a dataspace"), H5Sclose), count(range.count),
          memory(check(H5Screate_simple(1, &count, nullptr), "create a dataspace"), H5Sclose),
          plist(collective_transfer()) {
        const hsize_t first = range.first;
        const hsize_t stride = range.stride;
        if (count == 0) {
            H5Sselect_none(file_space.id());
        } else {
            check_status(H5Sselect_hyperslab(file_space.id(), H5S_SELECT_SET, &first, &stride,
                                             &count, nullptr),
                         "select elements");
        }
    }
    Hdf5Handle file_space;
    hsize_t count;
    Hdf5Handle memory;
    Hdf5Handle plist;
};

void write_elements_of(hid_t dataset, hid_t type, const ElementRange& range, const void* values) {
    const ElementTransfer t(dataset, range);
    check_status(H5Dwrite(dataset, type, t.memory.id(), t.file_space.id(), t.plist.id(),
                          t.count > 0 ? values : nullptr),
                 "write elements");
}

void read_elements_of(hid_t dataset, hid_t type, const ElementRange& range, void* values) {
    const ElementTransfer t(dataset, range);
    check_status(H5Dread(dataset, type, t.memory.id(), t.file_space.id(), t.plist.id(),
                         t.count > 0 ? values : nullptr),
                 "read elements");
}

} // namespace

void write_elements(hid_t group, const std::string& name, hid_t type, std::uint64_t total,
                    const ElementRange& range, const void* values) {
    const auto dataset = create_vector(group, name, type, total);
    write_elements_of(dataset.id(), type, range, values);
}

void read_elements(hid_t group, const std::string& name, hid_t type, const ElementRange& range,
                   void* values) {
    const auto dataset = open_dataset(group, name);
    read_elements_of(dataset.id(), type, range, values);
}

std::vector<std::uint64_t> read_uint64_dataset(hid_t group, const std::string& name) {
    const auto dataset = open_dataset(group, name);
    Hdf5Handle space(check(H5Dget_space(dataset.id()), "get a dataspace"), H5Sclose);
    const hssize_t size = H5Sget_simple_extent_npoints(space.id());
    check(static_cast<hid_t>(size), "size dataset " + name);
    std::vector<std::uint64_t> values(static_cast<std::size_t>(size));
    read_elements_of(dataset.id(), H5T_NATIVE_UINT64, {0, 1, values.size()}, values.data());
    return values;
}

} // namespace microcircuit
