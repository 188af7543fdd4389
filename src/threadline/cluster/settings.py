"""Settings of template micro-clustering: every threshold with its meaning and why it has its value.

The defaults were calibrated once on ``threadline synth`` output (seed 3) and are meant to hold
for any corpus: the similarity thresholds are on an IDF-weighted Jaccard scale, and the two that
decide membership are relative (a pair against its endpoints' best pair, a post against a
cluster's profile), not absolute cut-offs that move with a corpus's vocabulary.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["ClusterSettings"]


class ClusterSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    #: Seed of the MinHash functions and of the bucket path order: same seed, same clusters.
    seed: int = Field(default=1, ge=0, le=2**32 - 1)
    #: LSH bands. With ``rows`` 2, a pair of Jaccard 0.2 becomes a candidate with probability
    #: 1 - (1 - 0.04)^32 = 0.73 and one of 0.4 with 0.9995: edits rarely cost a candidate.
    bands: int = Field(default=32, ge=1, le=512)
    #: MinHash values per band. Two keeps the candidate threshold low (about 0.18 Jaccard);
    #: candidate count stays linear because a bucket yields a path, not all its pairs.
    rows: int = Field(default=2, ge=1, le=16)
    #: A shingle held by more than max(df_cap_min, df_cap_fraction * distinct texts) documents is
    #: boilerplate ("incall and outcall", "no blocked calls"): it creates no candidate. The floor
    #: keeps large real templates (hundreds of reposts) able to find each other in small batches.
    df_cap_fraction: float = Field(default=0.05, gt=0.0, le=1.0)
    df_cap_min: int = Field(default=1000, ge=2)
    #: Buckets with more documents than this are skipped: only content shared by very many
    #: posts fills one band bucket that far.
    max_bucket: int = Field(default=5000, ge=2)
    #: Background documents added to the IDF count (log((N + prior) / (df + 1))): a small batch
    #: of one template's posts still weighs its shared wording as content, not as boilerplate.
    idf_prior_docs: int = Field(default=1000, ge=0)
    #: Posts with fewer tokens than this never cluster: "hi" twice is not a template.
    min_tokens: int = Field(default=4, ge=1)
    #: IDF-weighted Jaccard a candidate pair needs to be an edge. Same-template posts measured
    #: 0.15-0.95, independent posts mostly below 0.2; edges below this are left to attachment.
    edge_threshold: float = Field(default=0.3, ge=0.0, le=1.0)
    #: An edge must also reach this fraction of both endpoints' best similarity, so authors
    #: sharing one phrase pool (job boards) link to their own reposts, not to each other.
    #: 0.7 gave more recall at 20k posts but lost precision at 100k; 0.75 held at both.
    relative_ratio: float = Field(default=0.75, ge=0.0, le=1.0)
    #: Every member must reach this similarity to its cluster's medoid (chaining guard).
    medoid_threshold: float = Field(default=0.2, ge=0.0, le=1.0)
    #: An unclustered post joins the candidate cluster whose profile covers this share of its
    #: shingle weight (members of a template picking other phrase options score 0.3-0.5).
    attach_threshold: float = Field(default=0.3, ge=0.0, le=1.0)
    #: An attached post must also score this fraction of the cluster's typical member (the
    #: median leave-one-out score of its members): boilerplate shared with a tight cluster of
    #: reposts covers a third of a stranger's weight, while the reposts cover each other at 0.9.
    attach_ratio: float = Field(default=0.5, ge=0.0, le=1.0)
    #: Smallest cluster that may take attached posts: a pair's profile is too thin to judge.
    attach_min_size: int = Field(default=3, ge=2)
    #: Grouping passes after the first, each with IDF recounted so that a cluster counts as one
    #: document: lifted recall from 0.90 to 0.95 at equal precision on the synthetic corpus.
    refine_passes: int = Field(default=1, ge=0, le=5)
    #: A reference token is template text when at least this share of members align to it;
    #: the rest becomes slots.
    constant_share: float = Field(default=0.5, gt=0.0, le=1.0)

    @model_validator(mode="after")
    def _enough_hashes(self) -> ClusterSettings:
        if self.bands * self.rows > 4096:
            raise ValueError("bands * rows must be at most 4096 MinHash values")
        return self

    @property
    def num_perm(self) -> int:
        """MinHash values per signature."""
        return self.bands * self.rows
