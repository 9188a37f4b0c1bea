// libFuzzer: the checkpoint's header, from the bytes of a file. Any input
// must end in a header or a CheckpointError.
#include "microcircuit/checkpoint.hpp"
#include "microcircuit/context.hpp"
#include "output/checkpoint_file.hpp"
#include "output/hdf5_file.hpp"

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>

namespace {
std::unique_ptr<microcircuit::Context> context;
std::string path;
} // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
    context = std::make_unique<microcircuit::Context>();
    microcircuit::initialize_hdf5();
    path = "/tmp/fuzz_checkpoint." + std::to_string(::getpid()) + ".h5";
    std::atexit([] { std::remove(path.c_str()); });
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    {
        std::ofstream file(path, std::ios::binary | std::ios::trunc);
        file.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    }
    try {
        microcircuit::read_checkpoint_header(path, context->communicator());
    } catch (const microcircuit::CheckpointError&) {
    }
    return 0;
}
