"""``python -m zoo.recipes --mode train|infer_encoders ...`` (ml4h's recipe command lines)."""
import sys

from zoo.recipes.run import main

sys.exit(main())
