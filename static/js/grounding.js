// grounding
