"""knowledge-storage: analysed incidents as cases in Qdrant, people's verdicts, similar-case evidence."""
