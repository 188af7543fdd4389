"""Template micro-clustering: near-duplicate ads written from one template, with the template.

Pure functions over lists of texts (no database): :func:`cluster` runs the whole batch;
:func:`sign` and :func:`group_documents` are its two halves (signatures and bucket keys per post,
then grouping), kept apart so a workspace can store keys and band new posts against them
(:func:`threadline.cluster.lsh.match_keys`). :func:`evaluate_clusters` scores labels against a
truth with pairwise precision, recall, F1 and ARI.
"""

from threadline.cluster.batch import Signed, TemplateCluster, cluster, group_documents, sign
from threadline.cluster.evaluation import ClusterScores, evaluate_clusters
from threadline.cluster.settings import ClusterSettings
from threadline.cluster.template import SLOT

__all__ = [
    "SLOT",
    "ClusterScores",
    "ClusterSettings",
    "Signed",
    "TemplateCluster",
    "cluster",
    "evaluate_clusters",
    "group_documents",
    "sign",
]
