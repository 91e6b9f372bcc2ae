// The files of a new approval: the paths chosen (by dialog or dropped on the window) as the shell
// describes them, their upload progress while the draft is sent, and what is wrong with them.
import { useEffect, useEffectEvent, useState, type RefObject } from "react";
import { errorText, onFilesDropped, pickPaths, subscribeUploadProgress, api } from "../api";
import type { PathSummary, UploadProgress } from "../types";

/**
 * `draftId`: the draft being sent, whose upload events are the ones shown. `uploads`: the progress
 * a reopened draft stopped at. `acceptsDrops`: files dropped on the window are attached meanwhile.
 */
export function useAttachments(draftId: RefObject<number>, uploads: UploadProgress[], acceptsDrops: boolean) {
  const [files, setFiles] = useState<PathSummary[]>([]);
  const [progress, setProgress] = useState<UploadProgress[]>(uploads);
  const [error, setError] = useState<string | null>(null);

  /** Adds the paths (a path chosen again replaces its earlier entry). */
  const describe = async (paths: string[]) => {
    if (paths.length === 0) return;
    try {
      const found = await api.describeFiles(paths);
      setFiles((prev) => [...prev.filter((f) => !paths.includes(f.path)), ...found]);
      setError(null);
    } catch (err) {
      setError(errorText(err));
    }
  };

  // Listening only while drops are welcome; a drop is described with the state as of then.
  const dropped = useEffectEvent((paths: string[]) => void describe(paths));
  useEffect(() => (acceptsDrops ? onFilesDropped((paths) => dropped(paths)) : undefined), [acceptsDrops]);

  // Per-file progress of this draft while it is sent.
  useEffect(
    () =>
      subscribeUploadProgress(({ draft_id, progress: p }) => {
        if (draft_id !== draftId.current) return;
        setProgress((prev) => {
          const next = prev.filter((u) => u.path !== p.path);
          next.push(p);
          return next;
        });
      }),
    [draftId],
  );

  return {
    files,
    uploads: progress,
    setUploads: setProgress,
    error,
    setError,
    describe,
    /** The system's file dialog (`folders`: pick folders instead). */
    pick: (folders: boolean) => {
      pickPaths(folders).then(describe, (err) => setError(errorText(err)));
    },
    remove: (path: string) => setFiles((prev) => prev.filter((f) => f.path !== path)),
  };
}
