"""Who sends and who may call: brands with their sender numbers, and API keys."""
