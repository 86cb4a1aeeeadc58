"""Results out: versioned JSON, HTML pages, comparisons."""
