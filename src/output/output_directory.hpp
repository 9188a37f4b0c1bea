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
    std::string spike_journal;     // the recordings while the run goes on
    std::string voltage_journal;
    std::string checkpoint; // <data_path>/checkpoint.h5

    explicit OutputFiles(const std::string& data_path);

    // Empty if the run may write its output; otherwise why it may not. A
    // new run refuses the checkpoint of an interrupted one too; a restart
    // continues that run and may replace its files.
    std::string refusal(bool overwrite_files, bool restart) const;
    // Removes the journals and temporary files, which a finished run no
    // longer needs (a kill during its finishing may have left them).
    void remove_leftovers() const;
    // Creates the directory (and its parents). Throws on failure.
    void create_directory() const;
};

// Writes `text` to `path` through a temporary file and a rename.
void write_file_atomically(const std::string& path, const std::string& text);

} // namespace microcircuit
