"""The one error of the job logic."""


class JobError(Exception):
    """Bad options or settings of a job script: the script reports
    `<script>: error: <message>` and exits with 2."""
