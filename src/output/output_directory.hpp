// The output files of a run and the rule that nothing is silently overwritten:
// existing output is refused unless overwrite_files is set, and new files are
// written under temporary names and renamed only once they are complete.
#pragma once

#include <string>

namespace microcircuit {

struct OutputFiles {
    std::string directory;
    std::string spikes;            // <data_path>/spikes.h5
    std::string spikes_incomplete; // written during the run
    std::string report;            // <data_path>/report.json

    explicit OutputFiles(const std::string& data_path);

    // Empty if the run may write its output; otherwise why it may not.
    std::string refusal(bool overwrite_files) const;
    // Creates the directory (and its parents). Throws on failure.
    void create_directory() const;
};

// Writes `text` to `path` through a temporary file and a rename.
void write_file_atomically(const std::string& path, const std::string& text);

} // namespace microcircuit
