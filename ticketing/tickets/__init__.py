"""Problem tickets: filing, the workflow, comments, attachments and history."""
