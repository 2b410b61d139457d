"""Models: `Model` (functional and subclassed) and `Sequential`."""

from ember.models.functional import Functional
from ember.models.model import Model
from ember.models.sequential import Sequential
