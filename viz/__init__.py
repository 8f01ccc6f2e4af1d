"""viz: the computation graph of a Value, drawn with Graphviz."""
