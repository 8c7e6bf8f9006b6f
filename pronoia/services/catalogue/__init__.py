"""Service catalogue modelled on CPSV-AP 3.2.0: loaded from the country packs, published as JSON-LD and Turtle."""
