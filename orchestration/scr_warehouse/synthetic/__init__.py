"""The synthetic national landing dataset (`scr-warehouse generate`): the generator (generator), how LAs submit and
the defects they make (submissions), and what both read (reference: the generator's config and the policy seeds,
copied nowhere)."""
from .generator import generate
from .reference import load_config, load_las

__all__ = ["generate", "load_config", "load_las"]
