// The TorchSharp native fix of GeoSSL.MLNet, in one file used twice:
//  - at build time by GeoSSL.MLNet.targets (RoslynCodeTaskFactory compiles this file; the MSBuild task below), which
//    patches the copy of libLibTorchSharp.so in a project's output when it references the GeoSSL.MLNet package;
//  - at run time by GeoSSL.Core (compiled with GEOSSL_RUNTIME), before TorchSharp loads its natives, so an app that
//    references the library by project (no targets imported) gets the same fix, and a failed load gets a message that
//    names the cause instead of TorchSharp's "doesn't contain a reference to libtorch-cpu-linux-x64".
//
// Why: libLibTorchSharp.so (TorchSharp 0.107) declares a version requirement on GLIBCXX_3.4.32, used only for the symbol
// _ZSt21ios_base_library_initv with no relocation referring to it. On systems whose libstdc++ predates GCC 13 (e.g.
// Debian 12, GLIBCXX up to 3.4.30) the loader refuses the library. Marking that one Vernaux entry weak
// (vna_flags |= VER_FLG_WEAK) changes one byte and lets it load. The file in the NuGet cache is never written: the
// patched copy is written to a temp file beside the target and renamed over it (atomic).
#nullable disable
using System;
using System.Collections.Generic;
using System.IO;

#if !GEOSSL_RUNTIME
public class GeoSSLPatchLibTorchSharp : Microsoft.Build.Utilities.Task
{
    public string Folder { get; set; }
    public bool CleanCpuFolder { get; set; }

    public override bool Execute()
    {
        if (string.IsNullOrEmpty(Folder) || !Directory.Exists(Folder)) return true;
        string cpu = Path.Combine(Folder, "cpu");
        bool staleCpu = CleanCpuFolder && Directory.Exists(cpu) && Directory.GetFiles(cpu, "libtorch*.so*").Length > 0;
        var libraries = Directory.GetFiles(Folder, LibTorchSharpElfFix.FileName, SearchOption.AllDirectories);
        if (!staleCpu && libraries.Length == 0) { Msg("nothing to do (no " + LibTorchSharpElfFix.FileName + " in " + Folder + ")", true); return true; }
        if (!LibTorchSharpElfFix.SystemLacksVersion()) { Msg("not needed (system libstdc++ provides " + LibTorchSharpElfFix.Needed + ")"); return true; }
        var done = new List<string>();
        if (staleCpu)
        {
            // TorchSharp's load fallback copies ~600 MB of libtorch natives into "cpu" after a failed load.
            try { Directory.Delete(cpu, true); done.Add("removed stale " + cpu); }
            catch (Exception e) { Log.LogWarning("GeoSSL.MLNet: could not remove " + cpu + ": " + e.Message); }
        }
        foreach (var f in libraries)
        {
            try { done.Add(LibTorchSharpElfFix.Patch(f) + " " + f); }
            catch (Exception e) { Log.LogWarning("GeoSSL.MLNet: not patching " + f + " (" + e.GetType().Name + ": " + e.Message + ")"); }
        }
        Msg(string.Join("; ", done));
        return true;
    }

    void Msg(string s, bool low = false)
    {
        Log.LogMessage(low ? Microsoft.Build.Framework.MessageImportance.Low : Microsoft.Build.Framework.MessageImportance.Normal, "GeoSSL.MLNet TorchSharp native fix: " + s);
    }
}
#endif

#if GEOSSL_RUNTIME
namespace GeoSSL.Core.Devices
{
#endif
/// <summary>Finds and clears TorchSharp's needless GLIBCXX_3.4.32 requirement (see the file's header).</summary>
internal static class LibTorchSharpElfFix
{
    public const string Needed = "GLIBCXX_3.4.32";
    public const string FileName = "libLibTorchSharp.so";

    /// <summary>The system's libstdc++.so.6, or null when none is in the usual places.</summary>
    public static string SystemLibStdCxx()
    {
        foreach (var d in new[] { "/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/lib64", "/usr/lib64", "/usr/lib" })
        {
            string p = Path.Combine(d, "libstdc++.so.6");
            if (File.Exists(p)) return p;
        }
        return null;
    }

    /// <summary>True when the system's libstdc++ lacks <see cref="Needed"/> (false without one: leave everything alone).</summary>
    public static bool SystemLacksVersion()
    {
        string p = SystemLibStdCxx();
        if (p == null) return false;
        byte[] b = File.ReadAllBytes(p);
        for (int i = 0; i + Needed.Length <= b.Length; i++) if (b[i] == (byte)'G' && At(b, i, Needed)) return false;
        return true;
    }

    /// <summary>"patched", "already patched" or "no requirement in"; throws when the file is not an ELF64 library or cannot be written.</summary>
    public static string Patch(string path)
    {
        string tmp = null;
        try
        {
            byte[] b = File.ReadAllBytes(path);
            long flags = FlagsOffset(b);
            if (flags < 0) return "no " + Needed + " requirement in";
            if ((b[flags] & 2) != 0) return "already patched";                            // vna_flags has VER_FLG_WEAK
            tmp = Path.Combine(Path.GetDirectoryName(path), "." + Path.GetRandomFileName() + ".tmp");
            File.Copy(path, tmp);                                                          // new inode (never the cache's); keeps mode
            using (var fs = new FileStream(tmp, FileMode.Open, FileAccess.Write)) { fs.Position = flags; fs.WriteByte((byte)(b[flags] | 2)); }
            File.Replace(tmp, path, null);                                                 // rename(2) over the target: atomic
            tmp = null;
            return "patched";
        }
        finally
        {
            try { if (tmp != null && File.Exists(tmp)) File.Delete(tmp); } catch { }
        }
    }

    /// <summary>True when <paramref name="path"/> still requires <see cref="Needed"/> strictly (not patched).</summary>
    public static bool NeedsPatch(string path)
    {
        byte[] b = File.ReadAllBytes(path);
        long flags = FlagsOffset(b);
        return flags >= 0 && (b[flags] & 2) == 0;
    }

    // Offset of vna_flags of the Vernaux entry naming Needed in .gnu.version_r, or -1 when there is none.
    static long FlagsOffset(byte[] b)
    {
        if (b.Length < 64 || !At(b, 0, "\u007fELF") || b[4] != 2 || b[5] != 1 || U(b, 0x3A, 2) != 64)
            throw new InvalidDataException("not an ELF64 little-endian file");
        long shoff = (long)U(b, 0x28, 8), shnum = (long)U(b, 0x3C, 2);
        for (long sh = shoff; sh < shoff + shnum * 64; sh += 64)
        {
            if (U(b, sh + 4, 4) != 0x6ffffffe) continue;                                   // SHT_GNU_verneed (.gnu.version_r)
            long strtab = (long)U(b, shoff + (long)U(b, sh + 40, 4) * 64 + 24, 8);          // sh_link -> .dynstr sh_offset
            long vn = (long)U(b, sh + 24, 8);                                              // sh_offset
            for (ulong n = U(b, sh + 44, 4); n > 0; n--, vn += (long)U(b, vn + 12, 4))     // sh_info Verneeds, vn_next
            {
                long aux = vn + (long)U(b, vn + 8, 4);                                     // vn_aux
                for (ulong c = U(b, vn + 2, 2); c > 0; c--, aux += (long)U(b, aux + 12, 4)) // vn_cnt Vernauxes, vna_next
                    if (At(b, strtab + (long)U(b, aux + 8, 4), Needed + "\0")) return aux + 4; // vna_name
            }
        }
        return -1;
    }

    // true if the bytes at offset o spell s (bounds-checked: throws IndexOutOfRange on a truncated file)
    static bool At(byte[] b, long o, string s) { for (int k = 0; k < s.Length; k++) if (b[checked((int)(o + k))] != (byte)s[k]) return false; return true; }
    static ulong U(byte[] b, long o, int n) { ulong v = 0; for (int i = n - 1; i >= 0; i--) v = (v << 8) | b[checked((int)(o + i))]; return v; }
}
#if GEOSSL_RUNTIME
}
#endif
