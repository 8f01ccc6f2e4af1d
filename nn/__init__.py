"""nn: neurons, layers and MLPs on Value, in the notation of the notes."""
